package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "10.1.2.3, 10.1.2.3",
            "0.0.0.0, 0.0.0.0",
            "255.255.255.255, 255.255.255.255",
            "::1, ::1",
            "::, ::",
            "fd00::, fd00::",
            "FD00::1, fd00::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
            "1:0:3:4:5:6:7:8, 1:0:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
            "::ffff:10.0.0.1, ::ffff:10.0.0.1",
            "::ffff:a00:1, ::ffff:10.0.0.1",
            "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
    })
    void parsesAndFormatsLiterals(String text, String formatted) {
        assertEquals(formatted, IpLiteral.format(IpLiteral.parse(text)));
    }

    @ParameterizedTest(name = "\"{0}\" is not a literal")
    @ValueSource(strings = {"", "db.example.com", "10.1.2", "10.1.2.3.4", "256.1.1.1", "010.1.1.1", "1..2.3",
            "10.1.2.3 ", "-1.2.3.4", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
            "g::1", "1.2.3.4::", "::1.2.3", "fe80::1%eth0", "[::1]", "localhost", "0x7f.0.0.1", "١.١.١.١"})
    void refusesWhatIsNotALiteral(String text) {
        assertNull(IpLiteral.parse(text));
        assertNull(IpLiteral.toAddress(text));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10.1.2.3", "::1", "fd00::1", "::ffff:10.0.0.1"})
    void buildsAddressesWithoutResolving(String text) throws Exception {
        InetAddress address = IpLiteral.toAddress(text);
        assertEquals(InetAddress.getByName(text), address, "same address as the JDK's literal parser");
    }
}
