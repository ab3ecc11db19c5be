package io.kaagent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.kaagent.config.PolicyException;
import io.kaagent.instrument.BootstrapBridge;
import io.kaagent.instrument.HookInstaller;
import io.kaagent.instrument.ModuleOpener;
import io.kaagent.jmx.KeepAliveStats;
import io.kaagent.log.AgentLog;
import io.kaagent.policy.Policy;
import io.kaagent.runtime.ApplierLoader;
import io.kaagent.runtime.BridgeHandlers;
import io.kaagent.runtime.KeepAliveRuntime;
import io.kaagent.runtime.OptionApplier;

/**
 * The one start path of premain and agentmain. On the application's main thread only what cannot wait: read the
 * policy (a broken one must stop us before anything is installed), open java.base, define the bridge, rewrite the
 * hook targets. Native init, the MBean and the start line happen on a daemon thread.
 */
public final class Agent {
    private static volatile KeepAliveRuntime running;

    private Agent() {
    }

    public static void start(String argument, Instrumentation instrumentation, boolean attached) {
        Map<String, String> env = System.getenv();
        boolean strict = isTrue(System.getProperty("ka.agent.strict")) || isTrue(env.get("KA_AGENT_STRICT"));
        File file = PolicySources.chooseFile(argument, env);
        Policy policy;
        try {
            policy = PolicySources.load(file, env);
        } catch (PolicyException e) {
            for (String line : e.getMessage().split("\n")) {
                AgentLog.error(line);
            }
            if (strict) {
                throw new Error("ka.agent.strict");
            }
            return;
        }
        AgentLog.configure(policy.logLevel(), policy.logFile());
        KeepAliveRuntime existing = running;
        if (existing != null) {
            existing.replacePolicy(policy);
            AgentLog.info("policy replaced: " + policy.source() + ", " + policy.rules().size() + " rules");
            return;
        }
        try {
            ModuleOpener.open(instrumentation, Agent.class);
            BootstrapBridge.define(Agent.class.getClassLoader());
        } catch (Throwable t) {
            AgentLog.error("cannot prepare the JVM for the hooks, the agent is inactive: " + t);
            return;
        }
        KeepAliveRuntime runtime = new KeepAliveRuntime(policy, isTrue(System.getProperty("ka.agent.test.failHook")));
        // Handlers first: a socket connected while the targets are being rewritten is then not missed.
        BridgeHandlers.install(runtime);
        List<String> problems = HookInstaller.install(instrumentation);
        if (!problems.isEmpty()) {
            AgentLog.error("some socket hooks are not in place, their sockets are left untouched: "
                    + String.join("; ", problems));
        }
        running = runtime;
        startBackground(runtime, attached);
    }

    private static void startBackground(final KeepAliveRuntime runtime, final boolean attached) {
        Thread thread = new Thread(new Runnable() {
            @Override
            public void run() {
                OptionApplier applier = ApplierLoader.load();
                if (applier == null) {
                    BridgeHandlers.uninstall();
                    runtime.applierUnavailable();
                    return;
                }
                runtime.applierReady(applier);
                try {
                    KeepAliveStats.register(runtime);
                } catch (Throwable t) {
                    AgentLog.warn("JMX MBean " + KeepAliveStats.OBJECT_NAME + " not registered: " + t);
                }
                Policy policy = runtime.policy();
                AgentLog.info("ka-agent " + version() + (attached ? " attached" : " started") + ": policy "
                        + policy.source() + ", " + policy.rules().size() + " rules, " + applier.mode() + " mode");
            }
        }, "ka-agent-init");
        thread.setDaemon(true);
        thread.start();
    }

    static String version() {
        Package pkg = Agent.class.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        return version == null ? "dev" : version;
    }

    private static boolean isTrue(String value) {
        return value != null && value.trim().toLowerCase(Locale.ROOT).equals("true");
    }
}
