package io.kaagent.jmx;

import java.util.List;

/** {@code ka.agent:type=KeepAlive}: what the agent did, readable with jconsole, jmxterm or any JMX client. */
public interface KeepAliveMXBean {
    String getPolicySource();

    /** native, fallback, or starting. */
    String getMode();

    /** Policy replacements since start: reloads of the changed file and attaches that brought a new policy. */
    long getReloadCount();

    /** The first problem of the last reload that failed (the policy in force stayed), or null after a good one. */
    String getLastReloadError();

    /** When the open sockets were last brought under the policy (attach, reload) and the counts, or null. */
    String getLastSweep();

    long getSocketsApplied();

    /** Of SocketsApplied, the accepted sockets that got the values from their listening socket (Linux copies them). */
    long getSocketsInherited();

    long getNeutralised();

    /** Hook calls that failed inside the agent; the application's calls went on unharmed. */
    long getHookFailures();

    /** Per rule: matched, applied, failed, neutralised. */
    List<RuleStats> getRules();
}
