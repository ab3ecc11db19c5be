package io.kaagent.jmx;

import java.util.List;

/** {@code ka.agent:type=KeepAlive}: what the agent did, readable with jconsole, jmxterm or any JMX client. */
public interface KeepAliveMXBean {
    String getPolicySource();

    /** native, fallback, or starting. */
    String getMode();

    long getReloadCount();

    long getSocketsApplied();

    long getNeutralised();

    /** Hook calls that failed inside the agent; the application's calls went on unharmed. */
    long getHookFailures();

    /** Per rule: matched, applied, failed, neutralised. */
    List<RuleStats> getRules();
}
