package io.kaagent.lab;

import io.kaagent.it.support.Policies;
import java.nio.file.Path;

/** The policy files the lab's apps run under: rules for the lab's addresses, logging at debug for the records. */
final class LabPolicies {
    private LabPolicies() {
    }

    /** Outbound connections to the server network: idle, intvl and cnt as given, user_timeout as given (or off). */
    static Path outbound(Path dir, String file, String rule, int idle, int intvl, int cnt, String userTimeout) {
        return Policies.write(dir, file, "version: 1\n"
                + "log: debug\n"
                + "rules:\n"
                + "  - name: " + rule + "\n"
                + "    cidr: [\"" + NetLab.SERVER_NET + "\"]\n"
                + "    idle: " + idle + "s\n"
                + "    intvl: " + intvl + "s\n"
                + "    cnt: " + cnt + "\n"
                + "    user_timeout: " + userTimeout + "\n");
    }

    /** Inbound connections accepted on these ports. */
    static Path inbound(Path dir, String file, String rule, String ports, int idle, int intvl, int cnt) {
        return Policies.write(dir, file, "version: 1\n"
                + "log: debug\n"
                + "rules:\n"
                + "  - name: " + rule + "\n"
                + "    direction: inbound\n"
                + "    port: " + ports + "\n"
                + "    idle: " + idle + "s\n"
                + "    intvl: " + intvl + "s\n"
                + "    cnt: " + cnt + "\n");
    }
}
