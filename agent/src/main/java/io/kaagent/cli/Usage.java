package io.kaagent.cli;

/** The {@code --help} text: every command of PRODUCT.md §6. */
final class Usage {
    static final String TEXT = String.join("\n",
            "Usage: java -jar ka-agent.jar COMMAND [ARGUMENTS]",
            "",
            "Commands:",
            "  attach <pid> [config.yml]   load the agent into a running JVM; new and (on Linux) already open",
            "                              TCP connections follow the policy",
            "  check <config.yml>          validate a policy file: OK: N rules, or FILE:LINE:COLUMN: message lines",
            "  explain <config.yml> <host>:<port> [--inbound]",
            "                              which rule matches a connection and what it would set;",
            "                              IPv6 as [::1]:5432; with --inbound, host is the client's address",
            "                              and port the local listening port",
            "  status <pid> [config.yml]   the TCP connections of a JVM with their keepalive values as the kernel",
            "                              reports them; the policy file fills the RULE column of a JVM without",
            "                              the agent",
            "  list                        the JVMs of this user and whether the agent is loaded",
            "  --help                      this text",
            "  --version                   the version",
            "",
            "As an agent: java -javaagent:/path/ka-agent.jar[=/path/config.yml] -jar app.jar",
            "Exit status: 0 on success, 1 on failure or invalid input.",
            "");

    private Usage() {
    }
}
