package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.Inet6Address;
import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrBlockTest {

    @ParameterizedTest(name = "{0} contains {1} = {2}")
    @CsvSource({
            "10.0.0.0/8, 10.0.0.0, true",
            "10.0.0.0/8, 10.255.255.255, true",
            "10.0.0.0/8, 11.0.0.0, false",
            "10.0.0.0/8, 9.255.255.255, false",
            "10.1.2.3, 10.1.2.3, true",
            "10.1.2.3/32, 10.1.2.4, false",
            "0.0.0.0/0, 1.2.3.4, true",
            "0.0.0.0/0, 255.255.255.255, true",
            "0.0.0.0/0, ::1, false",
            "192.168.0.0/16, 192.168.200.1, true",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "fd00::/8, fd12:3456::1, true",
            "fd00::/8, fe80::1, false",
            "fd00::/8, 10.0.0.1, false",
            "::1/128, ::1, true",
            "::1, ::1, true",
            "::1/128, ::2, false",
            "::/0, 2001:db8::1, true",
            "::/0, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, true",
            "2001:db8::/32, 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff, true",
            "2001:db8::/32, 2001:db9::, false",
            "2001:db8:0:0:8000::/65, 2001:db8::8000:0:0:1, true",
            "2001:db8:0:0:8000::/65, 2001:db8::7fff:0:0:1, false",
            // IPv4-mapped addresses are IPv4 addresses; mapped blocks are IPv4 blocks.
            "10.0.0.0/8, ::ffff:10.1.2.3, true",
            "10.0.0.0/8, ::ffff:11.1.2.3, false",
            "::ffff:10.0.0.0/104, 10.1.2.3, true",
            "::ffff:10.0.0.0/104, ::ffff:10.1.2.3, true",
            "::ffff:10.0.0.0/104, 11.1.2.3, false",
            "::ffff:0:0/96, 8.8.8.8, true",
            "127.0.0.0/8, ::ffff:127.0.0.1, true",
            // IPv6 blocks wider than ::ffff:0:0/96 stay IPv6: ::/0 is "every IPv6 peer", not every peer.
            "::/0, 10.1.2.3, false",
            "::/0, ::ffff:10.1.2.3, false",
            "::fffe:0:0/95, ::ffff:10.1.2.3, false",
            "::fffe:0:0/95, ::fffe:10.1.2.3, true",
    })
    void containsAddressesOfItsFamily(String block, String address, boolean contained) throws Exception {
        assertEquals(contained, CidrBlock.parse(block).contains(IpLiteral.toAddress(address)));
    }

    @Test
    void aMappedInet6AddressCountsAsIpv4() throws Exception {
        byte[] mapped = IpLiteral.parse("::ffff:10.1.2.3");
        // The JDK turns mapped bytes into an Inet4Address; a socket may still report a true Inet6Address.
        InetAddress address = Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(Inet6Address.class, address.getClass());
        assertEquals(true, CidrBlock.parse("10.0.0.0/8").contains(address));
    }

    @Test
    void nullAddressIsNeverContained() throws Exception {
        assertFalse(CidrBlock.parse("0.0.0.0/0").contains((InetAddress) null));
    }

    @ParameterizedTest(name = "{0}: ipv4={1} prefix={2}")
    @CsvSource({"10.0.0.0/8, true, 8", "10.1.2.3, true, 32", "::ffff:10.0.0.0/104, true, 8", "fd00::/8, false, 8",
            "::1, false, 128", "::fffe:0:0/95, false, 95"})
    void knowsItsFamilyAndPrefix(String block, boolean ipv4, int prefix) throws InvalidValueException {
        CidrBlock parsed = CidrBlock.parse(block);
        assertEquals(ipv4, parsed.isIpv4());
        assertEquals(prefix, parsed.prefixLength());
        assertEquals(block, parsed.toString());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "10.0.0.1/8|10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?",
            "192.168.1.1/24|192.168.1.1/24 has host bits set; did you mean 192.168.1.0/24?",
            "fd00::1/8|fd00::1/8 has host bits set; did you mean fd00::/8?",
            "::ffff:10.0.0.1/104|::ffff:10.0.0.1/104 has host bits set; did you mean ::ffff:10.0.0.0/104?",
            "10.0.0.0/33|\"10.0.0.0/33\" is not a valid CIDR block: the prefix length 33 is out of range, "
                    + "allowed 0..32",
            "fd00::/129|\"fd00::/129\" is not a valid CIDR block: the prefix length 129 is out of range, "
                    + "allowed 0..128",
            "10.0.0.0/|\"10.0.0.0/\" is not a valid CIDR block: the prefix length \"\" is not a number 0..32",
            "10.0.0.0/x|\"10.0.0.0/x\" is not a valid CIDR block: the prefix length \"x\" is not a number 0..32",
            "10.0.0.0/-1|\"10.0.0.0/-1\" is not a valid CIDR block: the prefix length \"-1\" is not a number 0..32",
            "10.0.0.0/8/8|\"10.0.0.0/8/8\" is not a valid CIDR block: the prefix length \"8/8\" is not a number "
                    + "0..32",
            "10.0.0/8|\"10.0.0/8\" is not a valid CIDR block: \"10.0.0\" is not an IPv4 or IPv6 address",
            "db.internal|\"db.internal\" is not a valid CIDR block: \"db.internal\" is not an IPv4 or IPv6 "
                    + "address; to match host names use host:",
            "fe80::1%eth0/64|\"fe80::1%eth0/64\" is not a valid CIDR block: zone ids (%...) are not allowed",
            "''|\"\" is not a valid CIDR block: \"\" is not an IPv4 or IPv6 address",
    })
    void refusesBadBlocks(String block, String message) {
        assertEquals(message, assertThrows(InvalidValueException.class, () -> CidrBlock.parse(block)).getMessage());
    }
}
