package io.kaagent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.kaagent.attach.AttachProtocol;
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
import io.kaagent.runtime.PolicyWatcher;
import io.kaagent.runtime.SweepResult;

/**
 * The one start path of premain and agentmain. On the application's main thread only what cannot wait: open
 * java.base, define the bridge, register the hook transformer (targets are rewritten as they load). The policy is
 * read on a daemon thread, the init thread, while the application starts; sockets connected before it is known are
 * decided when it is, and a broken one is reported there and the agent steps aside (strict mode reads it in premain,
 * to be able to stop the JVM). The same thread then loads the remaining hook targets; native init, the MBean, the
 * policy watcher and the start line follow a second after start unless a socket needs native sooner (until then the
 * JDK's extended socket options set the options).
 * <p>
 * A dynamic attach ({@code java -jar ka-agent.jar attach}) comes through here too, on the target's attach listener
 * thread, which may take its time: it waits for the native layer, brings the sockets already open under the policy
 * and reports to the result file the CLI named (see {@link AttachProtocol}). Attaching to a JVM that already runs
 * the agent replaces the policy and re-applies it to the open sockets.
 */
public final class Agent {
    private static final long ATTACH_READY_MILLIS = 10000;
    private static final long DEFAULT_RELOAD_MILLIS = 2000;
    /** How long the native layer may wait after start before it loads, unless something needs it sooner. */
    private static final long NATIVE_DELAY_MILLIS = 1000;
    /** How often the init thread, its work done, drops the state of sockets the garbage collector took. */
    private static final long HOUSEKEEPING_MILLIS = 5000;
    /** How often the init thread looks for a platform MBean server to register the MBean in, until there is one. */
    private static final long MBEAN_SERVER_POLL_MILLIS = 1000;
    private static final String NOTHING_APPLIES = "neither native setsockopt nor the JDK fallback is available in "
            + "this JVM; the agent applies nothing (its log on the JVM's stderr has the reasons)";
    /**
     * How long after premain the init thread prepares the JVM for the hooks unless a socket class asks sooner: long
     * enough for a hello world to be over, short enough to be done before an application that loads a driver or a
     * framework first opens its first connection.
     */
    private static final long PREPARE_DELAY_MILLIS = 30;
    /**
     * How much longer the preparation waits for a policy that is still being read (a text not compiled before: a
     * fresh container's first start) unless a socket class asks sooner, and how often it looks.
     */
    private static final long PREPARE_AFTER_POLICY_MAX_MILLIS = 250;
    private static final long PREPARE_AFTER_POLICY_POLL_MILLIS = 2;
    /** How long a JVM's exit waits for the init thread to have read (and judged) the policy. */
    private static final long POLICY_AT_EXIT_MILLIS = 5000;
    private static volatile KeepAliveRuntime running;
    /** Set by the first premain: a second -javaagent:ka-agent.jar in this JVM loads no second agent. */
    private static volatile boolean launched;
    /** The launch's first policy read, which keeps the later ones; null when premain read it itself (strict mode). */
    private static volatile LaunchPolicyRead firstLaunchRead;
    /** The hooks, once installed: they stay for the JVM's life, whatever happens to the runtime behind them. */
    private static volatile HookInstaller installedHooks;

    private Agent() {
    }

    /**
     * Whether this runtime has JMX: one linked without java.management (jlink, --limit-modules) has no MBean server,
     * and nobody could read the MBean there; a warning about it in every such JVM would say nothing to act on.
     */
    private static boolean hasJmx() {
        try {
            Class.forName("java.lang.management.ManagementFactory", false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** At launch ({@code -javaagent}), called by AgentMain with premain's arguments. */
    public static void premain(String argument, Instrumentation instrumentation) {
        start(argument, instrumentation, false, null);
    }

    /** On attach, called by AgentMain with agentmain's arguments. */
    public static void agentmain(String argument, Instrumentation instrumentation) {
        File resultFile = AttachProtocol.resultFile(argument);
        Properties report = new Properties();
        try {
            start(AttachProtocol.policyPart(argument), instrumentation, true, report);
        } catch (Throwable t) {
            // Into a running production JVM: one line, no stack trace; the command line reads the reason from the
            // result file and says it there.
            AgentLog.error("attach failed, the agent steps aside: " + t);
            fail(report, "the agent could not start: " + t);
        } finally {
            AttachProtocol.write(resultFile, report);
        }
    }

    private static void start(String policyArgument, Instrumentation instrumentation, boolean attached,
            Properties report) {
        Map<String, String> env = System.getenv();
        boolean strict = isTrue(System.getProperty("ka.agent.strict")) || isTrue(env.get("KA_AGENT_STRICT"));
        File file = PolicySources.chooseFile(policyArgument, env);
        if (!attached && launched) {
            secondLaunch(file, env, strict);
            return;
        }
        if (!attached) {
            launched = true;
        }
        KeepAliveRuntime existing = running;
        // At launch the policy is read on a thread of its own (LaunchPolicyRead) while premain and the application
        // go on: reading YAML in a cold JVM costs ~100 ms, more than everything else premain does. A socket connected
        // before it is known waits for it (KeepAliveRuntime). Strict mode must stop the JVM on a broken policy, and
        // an attach reports on it: both read it here, first.
        Policy policy = null;
        LaunchPolicyRead launchPolicy = null;
        PolicyWatcher.Stamp readStamp = null; // a launch's policy thread stamps the file it reads itself
        if (!attached && !strict && existing == null) {
            launchPolicy = LaunchPolicyRead.start(file, env, new Runnable() {
                @Override
                public void run() {
                    // The hook targets are rewritten as they load, on whichever thread loads them first: unless
                    // they are all in the hook cache, ASM, loaded and run once meanwhile, is then warm when the
                    // application's first socket class comes.
                    HookInstaller.warmUpUnlessCached();
                }
            });
            firstLaunchRead = launchPolicy;
        } else {
            // Stamped before it is read: an edit made while the agent starts is then a change the watcher sees.
            readStamp = PolicyWatcher.Stamp.of(file);
            try {
                policy = PolicySources.load(file, env);
            } catch (PolicyException e) {
                policyFailed(e, report, strict);
                return;
            }
            AgentLog.configure(policy.logLevel(), policy.logFile());
            if (existing != null) {
                replace(existing, policy, file, readStamp, env, report);
                return;
            }
        }
        if (launchPolicy != null && ApplierLoader.jdkOptionsSafeConcurrently()) {
            prepareInBackground(instrumentation, launchPolicy, file, readStamp, env);
            return;
        }
        try {
            prepareJvm(instrumentation);
        } catch (Throwable t) {
            jvmNotPrepared(t, report);
            return;
        }
        KeepAliveRuntime runtime = newRuntime(policy);
        // Sockets opened while the native layer loads get their options from the JDK at once. An attach waits for
        // the native layer anyway. Before JDK 17, jdk.net must not be first touched concurrently with the
        // application's threads (JDK-8260366, fixed in 17): there it is loaded here, before any of them runs. On 17+
        // the init thread loads it (it loads java.net.Socket, whose rewrite would otherwise run in premain).
        final boolean jdkOptionsNow = !attached && !ApplierLoader.jdkOptionsSafeConcurrently();
        final OptionApplier jdkOptions = jdkOptionsNow ? ApplierLoader.jdkOptionsOrNull() : null;
        runtime.startupApplier(jdkOptions);
        // Handlers first: a socket connected while the targets are being rewritten is then not missed.
        BridgeHandlers.install(runtime);
        HookInstaller hooks = installedHooks;
        if (hooks == null) {
            // Once per JVM: after a launch whose policy was broken, an attach finds the hooks in place already.
            hooks = HookInstaller.install(instrumentation);
            installedHooks = hooks;
        }
        // At launch the targets not loaded yet are loaded on the init thread, off the application's way; an attach
        // finds them loaded and reports on the spot.
        List<String> problems = attached ? hooks.complete() : null;
        if (problems != null) {
            reportHookProblems(problems);
            hooks.releaseTransformer(); // every target is loaded and rewritten: see releaseTransformer
            hooks.tidyCache();
        }
        running = runtime;
        if (policy != null) {
            // list and status read these (AttachProtocol); the init thread marks the agent inactive if nothing applies.
            publish(policy, file);
        } else {
            launchPolicy.exitHook(waitForPolicyAtExit(launchPolicy));
        }
        startInitThread(new InitWork(runtime, launchPolicy, attached ? null : hooks, file, readStamp, env, jdkOptions,
                !attached && !jdkOptionsNow, null));
        if (report != null) {
            if (!problems.isEmpty()) {
                report.setProperty("warning", "some socket hooks are not in place: " + String.join("; ", problems));
            }
            sweepAfterAttach(runtime, report);
        }
    }

    /**
     * A JVM that ends before the policy is known to be valid still prints what is wrong with it: its exit waits
     * (bounded) for the verdict. Removed once it is in, so a longer-lived JVM's exit never waits. A policy text
     * compiled before is known valid within milliseconds of the start: a short-lived JVM then exits without
     * waiting for the policy to be built.
     */
    private static Thread waitForPolicyAtExit(final LaunchPolicyRead launchPolicy) {
        Thread hook = Privileged.newThread(new Runnable() {
            @Override
            public void run() {
                try {
                    launchPolicy.awaitVerdict(POLICY_AT_EXIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "ka-agent-policy-at-exit");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return hook;
        } catch (RuntimeException shuttingDown) {
            return null;
        }
    }

    /**
     * A second {@code -javaagent:ka-agent.jar} in this JVM, as when a base image's JAVA_TOOL_OPTIONS has one and the
     * application's command line another: no second agent, and the last one's policy, as a later JVM option
     * overrides an earlier one (LaunchPolicyRead). Read on a thread of its own, as the first; the init thread hands over
     * whichever read is the last. Offered too late (the first policy already handed over, by a socket class loaded in
     * between) or in strict mode (premain read the first itself), it replaces the policy as a second attach does, once
     * the agent is ready; strict mode reads it here, so that a broken one stops the JVM before the application runs.
     */
    private static void secondLaunch(File file, Map<String, String> env, boolean strict) {
        if (strict) {
            PolicyWatcher.Stamp stamp = PolicyWatcher.Stamp.of(file);
            Policy policy;
            try {
                policy = PolicySources.load(file, env);
            } catch (PolicyException e) {
                policyFailed(e, null, true);
                return;
            }
            KeepAliveRuntime runtime = running;
            if (runtime != null) {
                runtime.adoptPolicy(policy); // before the application's first socket: none is decided under the first
            }
            replaceLater(null, policy, file, stamp, env);
            return;
        }
        LaunchPolicyRead later = LaunchPolicyRead.start(file, env, new Runnable() {
            @Override
            public void run() {
                // the first read warms the hooks' way up
            }
        });
        later.exitHook(waitForPolicyAtExit(later));
        LaunchPolicyRead first = firstLaunchRead;
        if (first == null || !first.offerLater(later)) {
            replaceLater(later, null, file, null, env);
        }
    }

    /** The policy of a second premain in force once the agent is ready, on a daemon thread (see secondLaunch). */
    private static void replaceLater(final LaunchPolicyRead read, final Policy known, final File file,
            final PolicyWatcher.Stamp knownStamp, final Map<String, String> env) {
        startInitThread(new Runnable() {
            @Override
            public void run() {
                Thread.currentThread().setName("ka-agent-second-policy");
                Policy policy = known;
                if (read != null) {
                    try {
                        policy = read.await();
                    } catch (PolicyException e) {
                        policyFailed(e, null, false);
                        return;
                    } catch (InterruptedException | RuntimeException e) {
                        AgentLog.error("cannot read the policy of a second -javaagent:ka-agent.jar (" + describe(file)
                                + "), it is not in force: " + e);
                        return;
                    } finally {
                        retire(read);
                    }
                }
                KeepAliveRuntime runtime = running;
                if (runtime == null) {
                    AgentLog.warn("the policy of a second -javaagent:ka-agent.jar (" + describe(file) + ") is not in "
                            + "force: the agent is inactive (see the lines above)");
                    return;
                }
                AgentLog.configure(policy.logLevel(), policy.logFile());
                replace(runtime, policy, file, read != null ? read.stamp() : knownStamp, env, null);
            }
        });
    }

    /**
     * The reads a later -javaagent replaced: their problems said (a broken file is worth knowing about, even one not
     * in force), their exit hooks gone; and one line on which policy is in force.
     */
    private static void reportReplaced(List<LaunchPolicyRead> replaced, LaunchPolicyRead inForce, boolean valid) {
        if (replaced.isEmpty()) {
            return;
        }
        StringBuilder notInForce = new StringBuilder();
        for (LaunchPolicyRead read : replaced) {
            notInForce.append(notInForce.length() == 0 ? "" : ", ").append(describe(read.file()));
            try {
                read.await();
            } catch (PolicyException e) {
                AgentLog.warn("the policy of an earlier -javaagent:ka-agent.jar (" + describe(read.file())
                        + ") is not in force, and has errors: " + e.getMessage().split("\n")[0]);
            } catch (InterruptedException | RuntimeException e) {
                // not in force: what went wrong reading it changes nothing
            } finally {
                retire(read);
            }
        }
        if (valid) {
            AgentLog.info("-javaagent:ka-agent.jar is given " + (replaced.size() + 1) + " times: the agent is loaded "
                    + "once, under the last one's policy (" + describe(inForce.file()) + "), not " + notInForce);
        }
    }

    /** Called when the launch's preparation failed: no policy will be handed over, and no exit waits for one. */
    private static void removeExitHooks(LaunchPolicyRead last, List<LaunchPolicyRead> replaced) {
        removeShutdownHook(last.exitHook());
        for (LaunchPolicyRead read : replaced) {
            removeShutdownHook(read.exitHook());
        }
    }

    /** Nothing more will be said about this read's policy: the JVM's exit no longer waits for it. */
    private static void retire(LaunchPolicyRead read) {
        read.verdictReported();
        removeShutdownHook(read.exitHook());
    }

    private static String describe(File file) {
        return file == null ? "the embedded default" : file.getPath();
    }

    /**
     * Where the policy is still being read (its text was not compiled before, as at a fresh container's first start),
     * the preparation waits for it, bounded: there it begins by rewriting a socket class with ASM, after copying the
     * agent's libraries out (~10 ms of a hello world's wall time on two cores, measured), while a short-lived JVM's
     * exit waits for the policy's verdict. A socket class loading meanwhile calls for the preparation at once.
     */
    private static void awaitPolicyUnlessWanted(HookInstaller hooks, LaunchPolicyRead launch)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PREPARE_AFTER_POLICY_MAX_MILLIS);
        while (!launch.last().isRead() && !hooks.socketsWanted() && System.nanoTime() - deadline < 0) {
            hooks.awaitPreparationWanted(PREPARE_AFTER_POLICY_POLL_MILLIS);
        }
    }

    /**
     * At launch on JDK 17+: premain only registers the hook transformer (see {@link HookInstaller#register}); the
     * init thread opens java.base, defines the bridge and installs its handlers, ~35 ms of a cold JVM that the
     * application's main no longer waits for. A socket class loaded meanwhile waits at its load for this, so no
     * socket goes unhooked.
     */
    private static void prepareInBackground(final Instrumentation instrumentation, final LaunchPolicyRead launch,
            final File file, final PolicyWatcher.Stamp readStamp, final Map<String, String> env) {
        final HookInstaller hooks = HookInstaller.register(instrumentation);
        installedHooks = hooks;
        launch.exitHook(waitForPolicyAtExit(launch));
        Thread thread = newInitThread(new Runnable() {
            @Override
            public void run() {
                KeepAliveRuntime runtime;
                boolean javaBaseOpened;
                try {
                    // Not at once: on two cores the preparation slowed a hello world's own few milliseconds. A
                    // socket class loading before the delay is over calls for it at once.
                    hooks.awaitPreparationWanted(PREPARE_DELAY_MILLIS);
                    awaitPolicyUnlessWanted(hooks, launch);
                    delayForTests("ka.agent.test.prepareDelayMillis");
                    // Through a hooked class when it can, which puts the bridge in without java.base opened: the
                    // opening (the JDK's first lambdas, ~8 ms here) then waits until the handlers are in, and an
                    // application that connects at once does not wait for it.
                    javaBaseOpened = !BootstrapBridge.defineThroughHookedClass();
                    if (javaBaseOpened) {
                        prepareJvm(instrumentation);
                    }
                    runtime = newRuntime(null);
                    BridgeHandlers.install(runtime);
                } catch (Throwable t) {
                    hooks.jvmNotPrepared();
                    jvmNotPrepared(t, null);
                    removeExitHooks(launch.takeLast(), launch.replacedByLast());
                    return;
                }
                running = runtime;
                hooks.jvmPrepared();
                hooks.loadSocketAhead();
                new InitWork(runtime, launch, hooks, file, readStamp, env, null, true,
                        javaBaseOpened ? null : instrumentation).run();
            }
        });
        hooks.preparedBy(thread); // before it starts: a target it loads must never wait for itself
        try {
            thread.start();
        } catch (Throwable t) {
            // No thread will prepare anything: no class may wait for it.
            hooks.jvmNotPrepared();
            removeExitHooks(launch.takeLast(), launch.replacedByLast());
            throw t;
        }
    }

    private static KeepAliveRuntime newRuntime(Policy policy) {
        return new KeepAliveRuntime(policy, isTrue(System.getProperty("ka.agent.test.failHook")));
    }

    /**
     * The policy of a launch, read on the init thread: the queued sockets are decided; a broken policy is reported
     * line by line and the agent steps aside (the hooks stay in, calling nothing).
     *
     * @return false when the policy is broken
     */
    private static boolean readPolicyAtLaunch(KeepAliveRuntime runtime, LaunchPolicyRead read, File file) {
        Policy policy;
        try {
            policy = read.await();
        } catch (InterruptedException | RuntimeException e) {
            BridgeHandlers.uninstall();
            running = null;
            if (e instanceof RuntimeException) {
                AgentLog.error("cannot read the policy, the agent is inactive: " + e);
                System.setProperty(AttachProtocol.INACTIVE_PROPERTY, "cannot read the policy: " + e);
            }
            read.verdictReported();
            runtime.policyUnavailable();
            return false;
        } catch (PolicyException e) {
            BridgeHandlers.uninstall();
            running = null;
            policyFailed(e, null, false);
            // Only now: a JVM's exit waits for this (waitForPolicyAtExit), so the lines above are never lost.
            read.verdictReported();
            runtime.policyUnavailable();
            return false;
        }
        AgentLog.configure(policy.logLevel(), policy.logFile());
        runtime.policyLoaded(policy); // its verdict is in already: the policy thread gave it once the policy built
        publish(policy, file);
        return true;
    }

    private static void reportHookProblems(List<String> problems) {
        if (!problems.isEmpty()) {
            AgentLog.error("some socket hooks are not in place, their sockets are left untouched: "
                    + String.join("; ", problems));
        }
    }

    /** One line, the agent marked inactive for list and status, and the attach's report when there is one. */
    private static void jvmNotPrepared(Throwable t, Properties report) {
        String message = "cannot prepare the JVM for the hooks, the agent is inactive: " + t;
        AgentLog.error(message);
        System.setProperty(AttachProtocol.INACTIVE_PROPERTY, "cannot install the hooks: " + t);
        if (report != null) {
            fail(report, message);
        }
    }

    /**
     * java.base opened to the agent after the handlers are in: the native layer reads socket file descriptors
     * through it. Should that fail, the native layer says so when it loads, and the JDK's options are used.
     */
    private static void openJavaBaseForNative(Instrumentation instrumentation) {
        try {
            ModuleOpener.open(instrumentation, Agent.class);
        } catch (Throwable t) {
            AgentLog.warn("cannot open java.base to the agent, native setsockopt will be unavailable: " + t);
        }
    }

    /**
     * -Dka.agent.test.*DelayMillis: tests make a step of the agent slow, to see what waits for it (agent-tests
     * EnforceTest: the policy read, the preparation of the JVM).
     */
    static void delayForTests(String property) {
        String millis = System.getProperty(property);
        if (millis != null) {
            try {
                Thread.sleep(Long.parseLong(millis.trim()));
            } catch (NumberFormatException notAsked) {
                // not a test run that asked for it properly: no delay
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What the hooks need of the JVM: java.base opened to the agent, the bridge in the bootstrap loader. */
    private static void prepareJvm(Instrumentation instrumentation) throws Throwable {
        ModuleOpener.open(instrumentation, Agent.class);
        BootstrapBridge.define(Agent.class.getClassLoader());
    }

    /** A broken policy: every mistake on stderr; strict mode stops the JVM, otherwise the agent installs nothing. */
    /** @param strict at launch only: an attach into a running JVM never stops it, it just fails */
    private static void policyFailed(PolicyException e, Properties report, boolean strict) {
        String[] lines = e.getMessage().split("\n");
        for (String line : lines) {
            AgentLog.error(line);
        }
        if (report != null) {
            fail(report, lines);
        }
        if (running == null) {
            System.setProperty(AttachProtocol.INACTIVE_PROPERTY, "policy error: " + lines[0]);
        }
        if (strict && report == null) {
            AgentLog.error("strict mode (ka.agent.strict / KA_AGENT_STRICT): the JVM does not start with a broken "
                    + "policy");
            try {
                System.exit(1);
            } catch (SecurityException refused) {
                throw new Error("ka.agent.strict"); // premain fails, which stops the JVM less quietly
            }
        }
    }

    /** A second attach, or an attach to a JVM started with -javaagent: the new policy, on every open socket. */
    private static void replace(KeepAliveRuntime runtime, Policy policy, File file, PolicyWatcher.Stamp readStamp,
            Map<String, String> env,
            Properties report) {
        if (!awaitReady(runtime)) {
            runtime.replacePolicy(policy);
            AgentLog.warn("policy replaced, but this JVM cannot set socket options (see the earlier lines)");
            if (report != null) {
                fail(report, NOTHING_APPLIES);
            }
            return;
        }
        SweepResult result = runtime.replacePolicyAndSweep(policy);
        AgentLog.info("policy replaced: " + policy.source() + ", " + policy.rules().size() + " rules; open sockets: "
                + result.summary());
        publish(policy, file);
        PolicyWatcher.watch(runtime, file, readStamp, loader(file, env), reloadMillis());
        if (report != null) {
            succeed(report, runtime, result, true);
        }
    }

    private static void sweepAfterAttach(KeepAliveRuntime runtime, Properties report) {
        if (!awaitReady(runtime)) {
            fail(report, NOTHING_APPLIES);
            return;
        }
        SweepResult result = runtime.sweepOpenSockets("attach");
        AgentLog.info("open sockets at attach: " + result.summary()
                + (result.limitation() == null ? "" : "; " + result.limitation()));
        succeed(report, runtime, result, false);
    }

    private static boolean awaitReady(KeepAliveRuntime runtime) {
        try {
            return runtime.awaitReady(ATTACH_READY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void succeed(Properties report, KeepAliveRuntime runtime, SweepResult result, boolean replaced) {
        Policy policy = runtime.policy();
        report.setProperty(AttachProtocol.STATUS, AttachProtocol.OK);
        report.setProperty("version", version());
        report.setProperty("mode", runtime.mode());
        report.setProperty("policy", policy.source());
        report.setProperty("rules", Integer.toString(policy.rules().size()));
        report.setProperty("replaced", Boolean.toString(replaced));
        result.writeTo(report);
    }

    private static void fail(Properties report, String... lines) {
        report.setProperty(AttachProtocol.STATUS, AttachProtocol.ERROR);
        for (int i = 0; i < lines.length; i++) {
            report.setProperty("error." + (i + 1), lines[i]);
        }
    }

    /** The marker {@code list} and {@code status} read through the attach API (docs/operations.md). */
    private static void publish(Policy policy, File file) {
        System.setProperty(AttachProtocol.VERSION_PROPERTY, version());
        System.setProperty(AttachProtocol.POLICY_PROPERTY, policy.source());
        if (file == null) {
            System.clearProperty(AttachProtocol.POLICY_FILE_PROPERTY);
        } else {
            System.setProperty(AttachProtocol.POLICY_FILE_PROPERTY, file.getAbsolutePath());
        }
        System.clearProperty(AttachProtocol.INACTIVE_PROPERTY);
    }

    private static PolicyWatcher.Loader loader(final File file, final Map<String, String> env) {
        return new PolicyWatcher.Loader() {
            @Override
            public Policy load() throws PolicyException {
                return PolicySources.load(file, env);
            }
        };
    }

    /** -Dka.agent.reload.seconds: how often the policy file is checked for changes; 0 turns reloading off. */
    private static long reloadMillis() {
        String value = System.getProperty("ka.agent.reload.seconds");
        if (value == null || value.trim().isEmpty()) {
            return DEFAULT_RELOAD_MILLIS;
        }
        try {
            return Math.max(0, Math.round(Double.parseDouble(value.trim()) * 1000));
        } catch (NumberFormatException e) {
            AgentLog.warn("-Dka.agent.reload.seconds=" + value + " is not a number; checking every "
                    + DEFAULT_RELOAD_MILLIS / 1000 + " s");
            return DEFAULT_RELOAD_MILLIS;
        }
    }

    private static void startInitThread(Runnable work) {
        newInitThread(work).start();
    }

    /** The init thread, not started yet: a daemon whose failure is one line, never a stack trace. */
    private static Thread newInitThread(final Runnable work) {
        Thread thread = Privileged.newThread(new Runnable() {
            @Override
            public void run() {
                try {
                    work.run();
                } catch (Throwable t) {
                    // Never a stack trace from the default handler: one line, and the agent steps aside.
                    BridgeHandlers.uninstall();
                    AgentLog.error("the agent's init thread failed, the agent steps aside: " + t);
                }
            }
        }, "ka-agent-init");
        thread.setDaemon(true);
        return thread;
    }

    /**
     * What the init thread does once the runtime exists: the JDK's options, the launch policy, the remaining hook
     * targets and the self-test, native init, the policy watcher, the MBean and the start line; then housekeeping.
     */
    private static final class InitWork implements Runnable {
        private final KeepAliveRuntime runtime;
        /** The policy being read at launch (the first read, which keeps later ones); null when read in premain. */
        private final LaunchPolicyRead firstRead;
        /** The read whose policy was handed over, once it was. */
        private LaunchPolicyRead launchPolicy;
        /** At launch, the hooks whose targets are still to be loaded; null on attach. */
        private final HookInstaller pendingHooks;
        /** The policy's file and environment: at launch, the handed-over read's (a later -javaagent's, maybe). */
        private File file;
        private final PolicyWatcher.Stamp readStamp;
        private Map<String, String> env;
        private final OptionApplier loadedJdkOptions;
        private final boolean loadJdkOptions;
        /** Set when java.base is still to be opened to the agent, which the native layer needs (see below). */
        private final Instrumentation openJavaBase;
        private boolean policyHandedOver;

        InitWork(KeepAliveRuntime runtime, LaunchPolicyRead firstRead, HookInstaller pendingHooks, File file,
                PolicyWatcher.Stamp readStamp, Map<String, String> env, OptionApplier loadedJdkOptions,
                boolean loadJdkOptions, Instrumentation openJavaBase) {
            this.runtime = runtime;
            this.firstRead = firstRead;
            this.pendingHooks = pendingHooks;
            this.file = file;
            this.readStamp = readStamp;
            this.env = env;
            this.loadedJdkOptions = loadedJdkOptions;
            this.loadJdkOptions = loadJdkOptions;
            this.openJavaBase = openJavaBase;
        }

        /** @return false when the policy is broken (reported): the agent steps aside */
        private boolean handOverPolicyIfRead() {
            return policyHandedOver || firstRead == null || !firstRead.last().isRead() || handOverPolicy();
        }

        /** Waits for the policy of the launch and hands it over; false when it is broken (reported). */
        private boolean handOverPolicy() {
            policyHandedOver = true;
            launchPolicy = firstRead.takeLast();
            file = launchPolicy.file();
            env = launchPolicy.env();
            boolean valid = readPolicyAtLaunch(runtime, launchPolicy, file);
            removeShutdownHook(launchPolicy.exitHook());
            reportReplaced(firstRead.replacedByLast(), launchPolicy, valid);
            return valid;
        }

        @Override
        public void run() {
            final boolean attached = pendingHooks == null;
            OptionApplier jdkOptions = loadedJdkOptions;
            if (loadJdkOptions) {
                // The policy goes to the runtime as soon as it is read, before what follows here: a socket that
                // waits for it then goes on at once, and loads the JDK's options itself if this thread has not
                // yet (JDK 17+: safe on any thread). It still returns from connect with its options set.
                runtime.jdkOptionsOnDemand();
                if (!handOverPolicyIfRead()) {
                    return;
                }
            }
            if (loadJdkOptions) {
                delayForTests("ka.agent.test.jdkOptionsDelayMillis");
                jdkOptions = ApplierLoader.jdkOptionsOrNull();
                runtime.startupApplier(jdkOptions);
                if (!handOverPolicyIfRead()) {
                    return;
                }
                if (pendingHooks != null) {
                    // The application's first connection, now or later, finds these loaded and the JDK's way to
                    // the options taken once (FirstConnectBench: after 100 ms, ~8 ms faster). In any JVM that
                    // lives past the preparation, sockets or not (defining the bridge loaded a socket class
                    // already); a hello world has ended before. One that never opens a socket pays ~50 JDK classes.
                    runtime.warmHookPath();
                }
            }
            if (firstRead != null && !policyHandedOver && !handOverPolicy()) {
                return;
            }
            // Only now, one after the other on this thread, what the first connection does not need: at a launch
            // the policy checks its rules in turn until its index is built, and a target loaded before the
            // transformer is rare (a no-op when premain did it). Done earlier, in parallel with the handover and the
            // warm-up, they took two cores' share from an application connecting at once (FirstConnectBench, JDK
            // 17, 80 rounds: -2.1 to -2.4 ms paired).
            try {
                Policy launched = runtime.policy();
                if (launched != null) {
                    launched.prepareIndex();
                }
            } catch (Throwable t) {
                // best effort: without its index the policy still decides, rule by rule
            }
            if (pendingHooks != null) {
                pendingHooks.rewriteLoadedTargets();
            }
            if (jdkOptions != null) {
                // Native init costs 110-225 ms of CPU (FACTS.md) and the JDK's options already serve new
                // sockets: a CLI tool or a batch job that ends within the delay never pays it.
                runtime.awaitNativeWanted(NATIVE_DELAY_MILLIS);
            }
            if (pendingHooks != null) {
                // The targets the application has not loaded by now, and the self-test. Not at once: on two
                // cores this work slowed a hello world by ~20 ms and an application's first socket too.
                reportHookProblems(pendingHooks.complete());
                // Every target is loaded and rewritten now; the transformer would only tax each class loaded later.
                pendingHooks.releaseTransformer();
                pendingHooks.tidyCache();
            }
            if (openJavaBase != null) {
                // Only now: the JDK's first lambdas (~8 ms of a cold JDK 17) would hold up an application's first
                // connection, which waits for the handlers and the JDK's options above.
                openJavaBaseForNative(openJavaBase);
            }
            OptionApplier applier = ApplierLoader.load(jdkOptions, ioUringAsked());
            if (applier == null) {
                BridgeHandlers.uninstall();
                runtime.applierUnavailable();
                System.setProperty(AttachProtocol.INACTIVE_PROPERTY, "no native setsockopt and no JDK fallback");
                return;
            }
            // Before applierReady: a second attach waits for that, and must find these in place to replace them.
            PolicyWatcher.watch(runtime, file, launchPolicy != null ? launchPolicy.stamp() : readStamp,
                    loader(file, env), reloadMillis());
            runtime.applierReady(applier);
            // The start line before the MBean: whoever sees the MBean's mode (tests, operators) finds the line out.
            Policy policy = runtime.policy();
            AgentLog.info("ka-agent " + version() + (attached ? " attached" : " started") + ": policy "
                    + policy.source() + ", " + policy.rules().size() + " rules, " + applier.mode() + " mode");
            boolean mbeanDone = !hasJmx();
            if (mbeanDone) {
                AgentLog.debug("no JMX in this runtime (no java.management module): MBean "
                        + KeepAliveStats.OBJECT_NAME + " not registered");
            }
            Thread.currentThread().setName("ka-agent-housekeeping");
            long housekeepingDue = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOUSEKEEPING_MILLIS);
            while (true) {
                if (!mbeanDone) {
                    mbeanDone = registerMBeanOnceThereIsAServer(runtime);
                }
                long untilHousekeeping = TimeUnit.NANOSECONDS.toMillis(housekeepingDue - System.nanoTime());
                try {
                    Thread.sleep(Math.max(1, mbeanDone ? untilHousekeeping
                            : Math.min(untilHousekeeping, MBEAN_SERVER_POLL_MILLIS)));
                } catch (InterruptedException e) {
                    return;
                }
                if (System.nanoTime() - housekeepingDue >= 0) {
                    runtime.dropCollectedSockets();
                    housekeepingDue = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOUSEKEEPING_MILLIS);
                }
            }
        }

        /** @return true once there is nothing more to do: registered, or refused (said once) */
        private static boolean registerMBeanOnceThereIsAServer(KeepAliveRuntime runtime) {
            try {
                return KeepAliveStats.registerOnceThereIsAServer(runtime);
            } catch (Throwable t) {
                AgentLog.warn("JMX MBean " + KeepAliveStats.OBJECT_NAME + " not registered: " + t);
                return true;
            }
        }
    }

    private static void removeShutdownHook(Thread hook) {
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (RuntimeException shuttingDown) {
            // The JVM is exiting and the hook runs; it finds the policy known and returns at once.
        }
    }

    static String version() {
        Package pkg = Agent.class.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** -Dka.agent.io_uring / KA_AGENT_IO_URING (docs/operations.md, "io_uring"), read when the native layer loads. */
    private static boolean ioUringAsked() {
        try {
            return isTrue(System.getProperty("ka.agent.io_uring")) || isTrue(System.getenv("KA_AGENT_IO_URING"));
        } catch (SecurityException denied) {
            return false;
        }
    }

    private static boolean isTrue(String value) {
        return value != null && value.trim().toLowerCase(Locale.ROOT).equals("true");
    }
}
