package io.kaagent.bench.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The policy files of the benchmarks: ten rules of the kinds a real fleet writes (host globs, CIDRs, port lists and
 * ranges, an inbound rule, a keepalive: off rule). The last rule decides what happens to loopback: in
 * {@link #matching} it applies idle 30 s / intvl 5 s / cnt 3 in both directions to loopback addresses (so every
 * benchmark socket is matched after the nine others were tried), in {@link #matchingByPort} the same to ports
 * 1024-65535, in {@link #nonMatching} it names a range loopback is not in.
 */
final class Policies {
    static final int IDLE = 30;
    static final int INTVL = 5;
    static final int CNT = 3;

    private static final String NINE_RULES = String.join("\n",
            "version: 1",
            "log: warn",
            "defaults:",
            "  idle: 60s",
            "  intvl: 10s",
            "  cnt: 6",
            "rules:",
            "  - name: postgres",
            "    host: [\"*.db.internal\", \"db-?.example.com\"]",
            "    port: [5432, 6432]",
            "    idle: 30s",
            "  - name: mysql",
            "    host: [\"mysql-*.internal\"]",
            "    port: 3306",
            "  - name: redis",
            "    cidr: [\"10.1.0.0/16\"]",
            "    port: \"6379-6380\"",
            "    idle: 20s",
            "  - name: kafka",
            "    host: [\"kafka-*.example.com\"]",
            "    port: 9092",
            "    user_timeout: auto",
            "  - name: http-internal",
            "    cidr: [\"10.0.0.0/8\", \"fd00::/8\"]",
            "    port: [80, 443, 8080]",
            "  - name: inbound-api",
            "    direction: inbound",
            "    port: 8443",
            "    idle: 45s",
            "  - name: ldap",
            "    host: [\"ldap.corp.example.com\"]",
            "    port: 636",
            "  - name: metrics",
            "    cidr: [\"192.168.0.0/16\"]",
            "    keepalive: off",
            "  - name: grpc",
            "    host: [\"*.svc.cluster.local\"]",
            "    port: \"50051-50059\"",
            "    intvl: 5s",
            "    cnt: 3",
            "");

    private Policies() {
    }

    /** Ten rules; the tenth matches loopback both ways. */
    static Path matching(Path dir) throws IOException {
        return withTenthRule(dir.resolve("policy-10-rules-match.yml"), "loopback",
                "cidr: [\"127.0.0.0/8\", \"::1/128\"]");
    }

    /**
     * Ten rules; the tenth matches every loopback benchmark socket both ways by its (server's) port, not by address:
     * the rule of an accepted socket then does not depend on the client, and the agent puts it on the listener.
     */
    static Path matchingByPort(Path dir) throws IOException {
        return withTenthRule(dir.resolve("policy-10-rules-match-port.yml"), "server-ports", "port: \"1024-65535\"");
    }

    /**
     * As {@link #matchingByPort}, in a file of its own that a child overwrites with {@link #matchingByPortReloaded}
     * (written anew here before each child).
     */
    static Path matchingByPortToReload(Path dir) throws IOException {
        return write(dir.resolve("policy-10-rules-match-port-reloading.yml"),
                new String(Files.readAllBytes(matchingByPort(dir)), StandardCharsets.UTF_8));
    }

    /** As {@link #matchingByPort}, the tenth rule with idle 45 s: what a reload changes. */
    static Path matchingByPortReloaded(Path dir) throws IOException {
        String old = new String(Files.readAllBytes(matchingByPort(dir)), StandardCharsets.UTF_8);
        String tenth = "    idle: " + IDLE + "s\n    intvl: " + INTVL + "s";
        if (old.indexOf(tenth) != old.lastIndexOf(tenth) || !old.contains(tenth)) {
            throw new IllegalStateException("the tenth rule's idle is not where it was");
        }
        return write(dir.resolve("policy-10-rules-match-port-reloaded.yml"),
                old.replace(tenth, "    idle: 45s\n    intvl: " + INTVL + "s"));
    }

    /** Ten rules; the tenth matches 127.0.0.1 and ::1 only, not the rest of 127/8. */
    static Path matchingOneAddress(Path dir) throws IOException {
        return withTenthRule(dir.resolve("policy-10-rules-match-one.yml"), "loopback-one",
                "cidr: [\"127.0.0.1/32\", \"::1/128\"]");
    }

    /** Ten rules; none matches a loopback socket, so the agent decides and leaves it untouched. */
    static Path nonMatching(Path dir) throws IOException {
        return withTenthRule(dir.resolve("policy-10-rules-nomatch.yml"), "private-172", "cidr: [\"172.16.0.0/12\"]");
    }

    /** The nine rules, then one for both directions with this criterion and the benchmarks' values. */
    private static Path withTenthRule(Path file, String name, String criterion) throws IOException {
        return write(file, NINE_RULES + String.join("\n",
                "  - name: " + name,
                "    " + criterion,
                "    direction: both",
                "    idle: " + IDLE + "s",
                "    intvl: " + INTVL + "s",
                "    cnt: " + CNT,
                ""));
    }

    private static Path write(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        return file;
    }
}
