package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NatTimeoutCheckTest {

    @ParameterizedTest(name = "idle {0} intvl {1} nat {2}: {3} warnings")
    @CsvSource({"60, 10, 350, 0", "349, 10, 350, 0", "350, 10, 350, 1", "400, 10, 350, 1", "60, 350, 350, 1",
            "400, 400, 350, 2", "60, 10, 0, 0"})
    void warnsWhenIdleOrIntervalIsNotShorter(int idle, int intvl, int nat, int warnings) throws Exception {
        PartialSettings settings = PartialSettings.EMPTY.withIdleSeconds(idle).withIntervalSeconds(intvl);
        if (nat > 0) {
            settings = settings.withNatTimeoutSeconds(nat);
        }
        Rule rule = Rule.builder("x").settings(settings).build();
        assertEquals(warnings, NatTimeoutCheck.warnings(rule).size());
    }

    @org.junit.jupiter.api.Test
    void saysWhatWillHappen() {
        Rule rule = Rule.builder("x").settings(PartialSettings.EMPTY.withIdleSeconds(400).withIntervalSeconds(400)
                .withNatTimeoutSeconds(350)).build();
        List<String> expected = Arrays.asList(
                "rule \"x\": idle 400s is not shorter than nat_timeout 350s; the NAT will forget idle flows before "
                        + "the first probe",
                "rule \"x\": intvl 400s is not shorter than nat_timeout 350s; the NAT will forget the flow between "
                        + "two probes");
        assertEquals(expected, NatTimeoutCheck.warnings(rule));
        Rule off = Rule.builder("off").keepaliveOff().settings(PartialSettings.EMPTY.withNatTimeoutSeconds(1)).build();
        assertEquals(Collections.emptyList(), NatTimeoutCheck.warnings(off));
    }
}
