package io.kaagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code explain} against {@code cli/explain.yml}: exact output for every kind of target and rule outcome. */
class ExplainCommandTest {
    private static final String CIDR_NOTE = "note: %s is a name, not an address, and explain makes no DNS lookups: "
            + "rules with a cidr criterion cannot match it here\n";
    private static final String NAT_OK = "nat_timeout=350s: idle and intvl are shorter, so idle flows survive the NAT\n";

    private static String policy() throws URISyntaxException {
        Path file = Paths.get(ExplainCommandTest.class.getResource("/cli/explain.yml").toURI());
        return file.toString();
    }

    private static CliRun explain(String... args) throws URISyntaxException {
        List<String> all = new ArrayList<>(Arrays.asList("explain", policy()));
        all.addAll(Arrays.asList(args));
        return CliRun.of(all.toArray(new String[0]));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("host glob with ?, first port of a list", "db-1.example.com:5432",
                        CIDR_NOTE.formatted("db-1.example.com") + """
                        note: rule "loopback" (#1) matches instead if db-1.example.com resolves into 127.0.0.0/8 or ::1/128
                        rule "postgres" (#2) matches outbound db-1.example.com:5432
                        criteria: outbound; host *.db.internal or db-?.example.com; any address; port 5432 or 6432
                        SO_KEEPALIVE=on TCP_KEEPIDLE=30s TCP_KEEPINTVL=5s TCP_KEEPCNT=3 TCP_USER_TIMEOUT=45000ms enforce=true
                        """ + NAT_OK),
                Arguments.of("host glob with *, case-insensitive, second port of a list", "PG.DB.Internal:6432",
                        CIDR_NOTE.formatted("PG.DB.Internal") + """
                        note: rule "loopback" (#1) matches instead if PG.DB.Internal resolves into 127.0.0.0/8 or ::1/128
                        rule "postgres" (#2) matches outbound PG.DB.Internal:6432
                        criteria: outbound; host *.db.internal or db-?.example.com; any address; port 5432 or 6432
                        SO_KEEPALIVE=on TCP_KEEPIDLE=30s TCP_KEEPINTVL=5s TCP_KEEPCNT=3 TCP_USER_TIMEOUT=45000ms enforce=true
                        """ + NAT_OK),
                Arguments.of("? matches one character only: no match", "db-12.example.com:5432",
                        CIDR_NOTE.formatted("db-12.example.com") + """
                        note: rule "loopback" (#1) matches instead if db-12.example.com resolves into 127.0.0.0/8 or ::1/128
                        note: rule "private-v6" (#4) matches instead if db-12.example.com resolves into fd00::/8
                        no rule matches; the socket is left untouched
                        """),
                Arguments.of("IPv4 in a cidr, port in a range", "10.1.2.3:8080", """
                        rule "private-v4" (#3) matches outbound 10.1.2.3:8080
                        criteria: outbound and inbound; any host; cidr 10.0.0.0/8; port 8000-8999
                        SO_KEEPALIVE=on TCP_KEEPIDLE=60s TCP_KEEPINTVL=10s TCP_KEEPCNT=6 TCP_USER_TIMEOUT=off enforce=false
                        """ + NAT_OK),
                Arguments.of("port just past the range: no match", "10.1.2.3:9000", """
                        no rule matches; the socket is left untouched
                        """),
                Arguments.of("IPv6 in a cidr", "[fd00::1]:443", """
                        rule "private-v6" (#4) matches outbound [fd00::1]:443
                        criteria: outbound; any host; cidr fd00::/8; any port
                        SO_KEEPALIVE=on TCP_KEEPIDLE=60s TCP_KEEPINTVL=10s TCP_KEEPCNT=6 TCP_USER_TIMEOUT=20000ms enforce=true
                        """ + NAT_OK),
                Arguments.of("IPv6 loopback: keepalive off", "[::1]:5432", """
                        rule "loopback" (#1) matches outbound [::1]:5432
                        criteria: outbound and inbound; any host; cidr 127.0.0.0/8 or ::1/128; any port
                        keepalive: off; the socket is left untouched by rule "loopback"
                        """),
                Arguments.of("IPv4-mapped loopback matches the IPv4 block", "[::ffff:127.0.0.1]:80", """
                        rule "loopback" (#1) matches outbound [::ffff:127.0.0.1]:80
                        criteria: outbound and inbound; any host; cidr 127.0.0.0/8 or ::1/128; any port
                        keepalive: off; the socket is left untouched by rule "loopback"
                        """),
                Arguments.of("IPv4-mapped address matches the IPv4 block", "[::ffff:10.0.0.1]:8500", """
                        rule "private-v4" (#3) matches outbound [::ffff:10.0.0.1]:8500
                        criteria: outbound and inbound; any host; cidr 10.0.0.0/8; port 8000-8999
                        SO_KEEPALIVE=on TCP_KEEPIDLE=60s TCP_KEEPINTVL=10s TCP_KEEPCNT=6 TCP_USER_TIMEOUT=off enforce=false
                        """ + NAT_OK),
                Arguments.of("rule order: private-v4 (#3) before api-server (#5)", "10.1.2.3:8443 --inbound", """
                        rule "private-v4" (#3) matches inbound from 10.1.2.3 on local port 8443
                        criteria: outbound and inbound; any host; cidr 10.0.0.0/8; port 8000-8999
                        SO_KEEPALIVE=on TCP_KEEPIDLE=60s TCP_KEEPINTVL=10s TCP_KEEPCNT=6 TCP_USER_TIMEOUT=off enforce=false
                        """ + NAT_OK),
                Arguments.of("inbound: client address and local port", "192.0.2.1:8443 --inbound", """
                        rule "api-server" (#5) matches inbound from 192.0.2.1 on local port 8443
                        criteria: inbound; any host; any address; port 8443
                        SO_KEEPALIVE=on TCP_KEEPIDLE=20s TCP_KEEPINTVL=10s TCP_KEEPCNT=6 TCP_USER_TIMEOUT=off enforce=true
                        """ + NAT_OK),
                Arguments.of("an inbound rule does not match outbound", "192.0.2.1:8443", """
                        no rule matches; the socket is left untouched
                        """),
                Arguments.of("--outbound is the default and may be given", "--outbound 192.0.2.1:8443", """
                        no rule matches; the socket is left untouched
                        """),
                Arguments.of("nat_timeout warning", "x.legacy.example.com:22",
                        CIDR_NOTE.formatted("x.legacy.example.com") + """
                        note: rule "loopback" (#1) matches instead if x.legacy.example.com resolves into 127.0.0.0/8 or ::1/128
                        note: rule "private-v6" (#4) matches instead if x.legacy.example.com resolves into fd00::/8
                        rule "legacy" (#6) matches outbound x.legacy.example.com:22
                        criteria: outbound; host *.legacy.example.com; any address; any port
                        SO_KEEPALIVE=on TCP_KEEPIDLE=400s TCP_KEEPINTVL=10s TCP_KEEPCNT=6 TCP_USER_TIMEOUT=off enforce=true
                        warning: rule "legacy": idle 400s is not shorter than nat_timeout 350s; the NAT will forget idle flows before the first probe
                        """));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void explainsTheMatch(String description, String args, String expected) throws Exception {
        assertEquals(new CliRun(0, expected, ""), explain(args.split(" ")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "db|explain: \"db\" has no port; write HOST:PORT, e.g. db:5432",
            "::1:80|explain: \"::1:80\": put an IPv6 address in brackets, e.g. [::1]:5432",
            "[::1]80|explain: \"[::1]80\" is not [ADDRESS]:PORT",
            "[db]:80|explain: \"db\" in brackets is not an IPv6 address",
            "[10.0.0.1]:80|explain: \"10.0.0.1\" in brackets is not an IPv6 address",
            ":80|explain: \":80\" has no host",
            "db:0|explain: port \"0\" is not a number 1..65535",
            "db:65536|explain: port \"65536\" is not a number 1..65535",
            "db:http|explain: port \"http\" is not a number 1..65535",
            "db:|explain: port \"\" is not a number 1..65535",
    })
    void badTargetsAreUsageErrors(String target, String message) throws Exception {
        assertEquals(new CliRun(1, "", "ka-agent: " + message + "\n" + Usage.TEXT), explain(target));
    }

    @Test
    void theLowestAndHighestPortsAreTargets() throws Exception {
        assertEquals(0, explain("db:1").exit());
        assertEquals(0, explain("db:65535").exit());
    }

    @Test
    void wrongArgumentsAreUsageErrors() throws Exception {
        String usage = "ka-agent: explain takes a policy file and a connection: "
                + "explain <config.yml> <host>:<port> [--inbound]\n" + Usage.TEXT;
        assertEquals(new CliRun(1, "", usage), CliRun.of("explain"));
        assertEquals(new CliRun(1, "", usage), CliRun.of("explain", "ka.yml"));
        assertEquals(new CliRun(1, "", usage), explain("a:1", "b:2"));
        assertEquals(new CliRun(1, "", "ka-agent: explain: unknown option --sideways\n" + Usage.TEXT),
                explain("a:1", "--sideways"));
    }

    /**
     * An accepted socket has no dialled name: the agent matches host globs against the client's address as Java
     * prints it (fd00:0:0:0:0:0:0:1). explain --inbound must match the same text, not the one typed.
     */
    @Test
    void inboundHostGlobsSeeTheClientAddressAsTheAgentDoes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("v6.yml");
        Files.writeString(file, """
                version: 1
                rules:
                  - {name: typed-form, host: ["fd00::*"], direction: both}
                  - {name: java-form, host: ["fd00:0:0:0:*"], direction: both}
                """);
        String inbound = CliRun.of("explain", file.toString(), "[fd00::1]:443", "--inbound").out();
        String outbound = CliRun.of("explain", file.toString(), "[fd00::1]:443").out();
        assertTrue(inbound.startsWith("rule \"java-form\" (#2) matches inbound"), inbound);
        assertTrue(outbound.startsWith("rule \"typed-form\" (#1) matches outbound"), outbound);
    }

    @Test
    void anInvalidPolicyPrintsItsProblems() throws Exception {
        Path directory = Paths.get(getClass().getResource("/malformed").toURI());
        CliRun run = CliRun.of("explain", directory.resolve("three-mistakes.yml").toString(), "db:5432");
        assertEquals(1, run.exit());
        assertEquals("", run.out());
        assertEquals(3, run.err().lines().count());
    }
}
