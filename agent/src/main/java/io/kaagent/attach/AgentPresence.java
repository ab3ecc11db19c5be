package io.kaagent.attach;

import java.util.Properties;

/**
 * Whether ka-agent runs in a JVM. Cheap first: a running agent always keeps its jar open, so a JVM without an open
 * ka-agent jar in /proc/PID/fd certainly has none, and is never attached to for this. Only a JVM with the jar open is
 * asked — through the attach API's "properties" command, which loads nothing into it — for the marker system
 * properties the agent sets when it runs ({@link AttachProtocol#VERSION_PROPERTY}; {@link
 * AttachProtocol#INACTIVE_PROPERTY} when it stopped itself, e.g. on a policy error).
 */
public final class AgentPresence {
    public enum State {
        LOADED("yes"), INACTIVE("inactive"), ABSENT("no"), UNKNOWN("unknown");

        private final String word;

        State(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    private final State state;
    private final String version;
    private final String detail;
    private final Properties properties;

    private AgentPresence(State state, String version, String detail, Properties properties) {
        this.state = state;
        this.version = version;
        this.detail = detail;
        this.properties = properties;
    }

    public static AgentPresence of(JvmProcess process) {
        if (!process.hasAgentJarOpen()) {
            return new AgentPresence(State.ABSENT, null, null, null);
        }
        AttachClient client;
        try {
            client = AttachClient.attach(process);
        } catch (AttachException e) {
            return new AgentPresence(State.UNKNOWN, null, "a ka-agent jar is open, but " + e.getMessage(), null);
        }
        try {
            return fromProperties(client.systemProperties());
        } catch (AttachException e) {
            return new AgentPresence(State.UNKNOWN, null, e.getMessage(), null);
        } finally {
            client.close();
        }
    }

    /** From system properties read through the attach API. */
    public static AgentPresence fromProperties(Properties properties) {
        String version = properties.getProperty(AttachProtocol.VERSION_PROPERTY);
        if (version != null) {
            return new AgentPresence(State.LOADED, version, null, properties);
        }
        String inactive = properties.getProperty(AttachProtocol.INACTIVE_PROPERTY);
        if (inactive != null) {
            return new AgentPresence(State.INACTIVE, null, inactive, properties);
        }
        return new AgentPresence(State.ABSENT, null, "its jar is open but the agent is not running (switched off with "
                + "ka.agent.disabled / KA_AGENT_DISABLED?)", properties);
    }

    public State state() {
        return state;
    }

    public boolean isLoaded() {
        return state == State.LOADED;
    }

    /** The agent's version, or null when it is not loaded. */
    public String version() {
        return version;
    }

    /** Why the state is what it is, where there is more to say; else null. */
    public String detail() {
        return detail;
    }

    /** The JVM's system properties when they were read (the ka-agent jar is open), else null. */
    public Properties properties() {
        return properties;
    }

    /** The policy file the agent runs with, null for the embedded default or when unknown. */
    public String policyFile() {
        return properties == null ? null : properties.getProperty(AttachProtocol.POLICY_FILE_PROPERTY);
    }

    /** The policy source as the agent names it (a path, or embedded default, with KA_AGENT_* overrides). */
    public String policySource() {
        return properties == null ? null : properties.getProperty(AttachProtocol.POLICY_PROPERTY);
    }

    /** {@code ka-agent 0.1.0 loaded}, {@code ka-agent not loaded}, ... */
    public String describe() {
        switch (state) {
            case LOADED:
                return "ka-agent " + version + " loaded, policy " + policySource();
            case INACTIVE:
                return "ka-agent present but inactive: " + detail;
            case UNKNOWN:
                return "ka-agent unknown: " + detail;
            default:
                return "ka-agent not loaded" + (detail == null ? "" : " (" + detail + ")");
        }
    }
}
