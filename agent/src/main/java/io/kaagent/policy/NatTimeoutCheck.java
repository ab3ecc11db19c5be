package io.kaagent.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code nat_timeout} hint at work: a NAT or load balancer forgets a flow that stays idle longer than its
 * timeout, and a keepalive probe sent after that hits a forgotten flow and kills the connection (FACTS.md, kernel
 * behaviour). So the first probe (after {@code idle}) and every next one (after {@code intvl}) must come sooner.
 */
public final class NatTimeoutCheck {
    private NatTimeoutCheck() {
    }

    /** One sentence per value that is too long; empty when the rule is fine or has no hint. */
    public static List<String> warnings(Rule rule) {
        List<String> warnings = new ArrayList<String>();
        Integer nat = rule.natTimeoutSeconds();
        if (rule.keepaliveOff() || nat == null) {
            return warnings;
        }
        KeepAliveSettings settings = rule.settings();
        String prefix = "rule \"" + rule.name() + "\": ";
        if (settings.idleSeconds() >= nat) {
            warnings.add(prefix + "idle " + settings.idleSeconds() + "s is not shorter than nat_timeout " + nat
                    + "s; the NAT will forget idle flows before the first probe");
        }
        if (settings.intervalSeconds() >= nat) {
            warnings.add(prefix + "intvl " + settings.intervalSeconds() + "s is not shorter than nat_timeout " + nat
                    + "s; the NAT will forget the flow between two probes");
        }
        return warnings;
    }
}
