package io.kaagent.jmx;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import io.kaagent.policy.Rule;
import io.kaagent.runtime.KeepAliveRuntime;
import io.kaagent.runtime.RuleCounters;

/** The MXBean over the runtime's counters; values are read live, nothing is copied on the socket path. */
public final class KeepAliveStats implements KeepAliveMXBean {
    public static final String OBJECT_NAME = "ka.agent:type=KeepAlive";
    private final KeepAliveRuntime runtime;

    private KeepAliveStats(KeepAliveRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * Registers the MBean once the JVM has a platform MBean server, and never makes one itself: making it registers
     * the JDK's own MXBeans too, ~1,000 classes, ~3 MiB of metaspace and 9-17 MiB of RSS (docs/benchmark-history.md,
     * twentieth run), more than the rest of the agent. Whatever can read the MBean made one first: the application or
     * its server, another agent, {@code -Dcom.sun.management.jmxremote}, jconsole or
     * {@code jcmd ManagementAgent.start}. The platform server is made by
     * {@link MBeanServerFactory#createMBeanServer()}, which lists it for {@code findMBeanServer}; a server the
     * application made for itself that way counts too (the platform one is then made here: the rare case).
     *
     * @return whether the MBean is registered now (false: no MBean server yet, ask again later)
     */
    public static boolean registerOnceThereIsAServer(KeepAliveRuntime runtime) throws Exception {
        if (MBeanServerFactory.findMBeanServer(null).isEmpty()) {
            return false;
        }
        register(runtime);
        return true;
    }

    /** Registers (or, after a re-attach, replaces) the MBean in the platform MBean server. */
    static void register(KeepAliveRuntime runtime) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(OBJECT_NAME);
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        server.registerMBean(new KeepAliveStats(runtime), name);
    }

    @Override
    public String getPolicySource() {
        return runtime.policy().source();
    }

    @Override
    public String getMode() {
        return runtime.mode();
    }

    @Override
    public long getReloadCount() {
        return runtime.reloads();
    }

    @Override
    public String getLastReloadError() {
        return runtime.lastReloadError();
    }

    @Override
    public String getLastSweep() {
        return runtime.lastSweep();
    }

    @Override
    public long getSocketsApplied() {
        return runtime.socketsApplied();
    }

    @Override
    public long getSocketsInherited() {
        return runtime.socketsInherited();
    }

    @Override
    public long getNeutralised() {
        return runtime.neutralised();
    }

    @Override
    public long getHookFailures() {
        return runtime.hookFailures();
    }

    @Override
    public List<RuleStats> getRules() {
        List<RuleStats> stats = new ArrayList<RuleStats>();
        Map<String, RuleCounters> counters = runtime.ruleCounters();
        List<String> seen = new ArrayList<String>();
        for (Rule rule : runtime.policy().rules()) {
            seen.add(rule.name());
            stats.add(of(rule.name(), counters.get(rule.name())));
        }
        for (Map.Entry<String, RuleCounters> entry : counters.entrySet()) {
            if (!seen.contains(entry.getKey())) {
                stats.add(of(entry.getKey(), entry.getValue())); // a rule a reload removed keeps its history
            }
        }
        return stats;
    }

    private static RuleStats of(String name, RuleCounters counters) {
        return counters == null ? new RuleStats(name, 0, 0, 0, 0)
                : new RuleStats(name, counters.matched(), counters.applied(), counters.failed(),
                        counters.neutralised());
    }
}
