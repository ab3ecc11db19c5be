package io.kaagent.instrument;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.kaagent.JavaRelease;

/**
 * Puts the hooks in in two steps. {@link #install} registers the transformer and retransforms the targets the JVM
 * has already loaded (at launch: none; on attach: most). Every other target is rewritten as it loads, so nothing is
 * loaded at start that the application would not load itself: a hello world never pays for ASM or the socket
 * classes. {@link #complete} then loads the remaining targets, on the agent's own thread, and checks that every
 * hook took — a transform that silently did nothing must not pass for a working agent.
 * <p>
 * Rewrites made as a class loads are registered as not retransformable: the JVM then keeps them as the class's
 * bytes, and a later retransformation by anybody else (JFR on JDK 11-21 when a recording starts, an APM agent) starts
 * from them and keeps the hooks. A retransformable rewrite would be undone by such a retransformation once the
 * transformer is gone: the JVM starts again from the bytes as they were before it. Only classes loaded before the
 * transformer came need retransforming ({@link RetransformedHooks}), and that transformer stays.
 */
public final class HookInstaller {
    private final Instrumentation instrumentation;
    private final HookTransformer transformer;
    private final List<String> problems = new ArrayList<String>();
    /** Registered when targets loaded before the agent were retransformed; null until then. */
    private RetransformedHooks retransformed;
    /** Set by the one thread that runs {@link #rewriteLoadedTargets}. */
    private boolean loadedTargetsRewritten;

    private HookInstaller(Instrumentation instrumentation, HookTransformer transformer) {
        this.instrumentation = instrumentation;
        this.transformer = transformer;
    }

    /**
     * Registers the hooks with the JVM already prepared for them (the bridge defined, its handlers in place): the
     * targets already loaded are rewritten now. Problems wait for {@link #complete}.
     */
    public static HookInstaller install(Instrumentation instrumentation) {
        HookInstaller installer = register(instrumentation);
        installer.jvmPrepared();
        installer.rewriteLoadedTargets();
        return installer;
    }

    /**
     * Registers the hooks before the JVM is prepared for them: a target that loads meanwhile waits at its load
     * ({@link HookGate}) until {@link #jvmPrepared} or {@link #jvmNotPrepared} says what becomes of it.
     */
    public static HookInstaller register(Instrumentation instrumentation) {
        // A target loading before the bridge is defined brings the bridge itself, where it can (BridgeDefiner).
        HookTransformer transformer = new HookTransformer(HookTarget.ALL, true, hookedClassesCarryTheBridge(),
                new HookGate());
        instrumentation.addTransformer(transformer, false); // see the class comment
        return new HookInstaller(instrumentation, transformer);
    }

    /**
     * Whether a hooked JDK class, rewritten as it loads, defines the bridge itself ({@link BridgeDefiner}): JDK 9+,
     * whose java.base has {@code jdk.internal.misc.Unsafe}. Here, loaded in premain anyway, rather than in
     * BridgeDefiner, which is ASM's (the agent's nested libraries) and must not load there.
     */
    static boolean hookedClassesCarryTheBridge() {
        return JavaRelease.current() >= 9;
    }

    /** The thread that prepares the JVM: what it loads meanwhile does not wait for itself. */
    public void preparedBy(Thread thread) {
        transformer.gate().preparedBy(thread);
    }

    /** Waits until a target class is loading, at most {@code millis} (see {@link HookGate#awaitWanted}). */
    public void awaitPreparationWanted(long millis) throws InterruptedException {
        transformer.gate().awaitWanted(millis);
    }

    /**
     * Whether a hook target has loaded yet: before the preparation, the application is setting up its first sockets
     * now. Once the preparing thread has defined the bridge through {@code ServerSocket}, always true.
     */
    public boolean socketsWanted() {
        return transformer.gate().isWanted();
    }

    /**
     * The bridge and its handlers are in place: targets are rewritten from now on. Those loaded already without
     * their hooks get them in {@link #rewriteLoadedTargets}.
     */
    public void jvmPrepared() {
        transformer.gate().prepared(true);
    }

    /**
     * At a launch, on the init thread once the gate is open: loads {@code java.net.Socket}, rewritten here from the
     * hook cache (~1 ms of a cold JVM) rather than at the application's first {@code new Socket()}, which usually
     * follows soon after the socket class whose load called for the preparation. Its initialiser is left to the
     * application. Best effort: otherwise the application's thread loads it, as before.
     */
    public void loadSocketAhead() {
        try {
            Class.forName("java.net.Socket", false, null);
        } catch (Throwable t) {
            // the application loads it itself
        }
    }

    /**
     * Once, after {@link #jvmPrepared}: the targets loaded without their hooks (before the transformer was registered,
     * by another agent's premain, say) are retransformed. At launch the init thread does it after handing the policy
     * over and warming the hooks' way up: the scan of every loaded class takes 2-4 ms of a cold JVM, which an
     * application's first connection, made meanwhile, would wait for.
     */
    public void rewriteLoadedTargets() {
        if (loadedTargetsRewritten) {
            return;
        }
        loadedTargetsRewritten = true;
        // After the transformer was registered: a target loading meanwhile was rewritten as it loaded, or is found
        // loaded here and retransformed. Not one rewritten already (one the application waited for at its load):
        // a retransformation stops every thread at a safepoint, just when the application is using that class.
        Set<String> targetNames = new HashSet<String>(HookTarget.classNames());
        List<Class<?>> loaded = new ArrayList<Class<?>>();
        Class<?>[] all = instrumentation.getAllLoadedClasses();
        if (all == null) {
            return; // the JVM is exiting (JVMTI's wrong phase): nothing will connect any more
        }
        for (Class<?> type : all) {
            if (type.getClassLoader() == null && targetNames.contains(type.getName())
                    && !transformer.rewritten(type.getName().replace('.', '/'))) {
                loaded.add(type);
            }
        }
        if (!loaded.isEmpty()) {
            try {
                if (retransformed == null) {
                    retransformed = new RetransformedHooks(transformer);
                    instrumentation.addTransformer(retransformed, true);
                }
                for (Class<?> type : loaded) {
                    retransformed.take(type);
                }
                instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
            } catch (Throwable t) {
                problems.add("retransformation failed: " + t);
            }
        }
    }

    /**
     * The JVM could not be prepared: no target is rewritten from now on, and the transformer goes. A hooked call
     * of a target that loaded meanwhile, carrying the bridge, stops waiting for the agent.
     */
    public void jvmNotPrepared() {
        transformer.gate().prepared(false);
        releaseTransformer();
        BootstrapBridge.releaseWaitingHooks();
    }

    /**
     * Unregisters the load-time transformer once {@link #complete} has loaded every target: while any transformer is
     * registered, the JVM hands it every class the application loads, for the JVM's whole life, and for a class from
     * the CDS archive it first reads the class file from the runtime image. That cost ~10-25 µs a class here
     * (1,194 archived JDK classes: 6-9 ms without an agent, 13-18 ms with an agent whose transformer does nothing,
     * 19-41 ms with this one still registered). Its rewrites stay what a later retransformation starts from (see
     * the class comment). {@link RetransformedHooks}, when there is one, stays: its rewrites would not.
     */
    public void releaseTransformer() {
        instrumentation.removeTransformer(transformer);
    }

    /**
     * Once every target is rewritten: the hook cache keeps the JDK builds used last ({@link HookClassCache#tidy}), if
     * this JVM wrote to it. Off any class's load.
     */
    public void tidyCache() {
        transformer.tidyCache();
    }

    /** {@link #warmUp()}, unless every target is in the {@link HookClassCache} already and ASM will not be needed. */
    public static void warmUpUnlessCached() {
        if (!allTargetsCached()) {
            warmUp();
        }
    }

    static boolean allTargetsCached() {
        HookClassCache cache = HookClassCache.forThisJvm();
        if (cache != null && hookedClassesCarryTheBridge()) {
            cache = cache.carryingTheBridge(); // what a launch's transformer looks up (see register)
        }
        if (cache == null) {
            return false;
        }
        List<String> classes = new ArrayList<String>();
        for (String name : HookTarget.classNames()) {
            classes.add(name.replace('.', '/'));
        }
        return cache.hasEntries(classes);
    }

    /**
     * Loads and runs ASM once, on a sample class of the agent's own, so that the application's first socket class
     * is rewritten by warm code. Loads no JDK socket class, so it never holds up one the application loads.
     * Best effort.
     *
     * @return whether the sample was rewritten with all its hooks (false: the first real rewrite pays the loading)
     */
    public static boolean warmUp() {
        try {
            byte[] sample = AgentClassBytes.of(HookInstaller.class.getClassLoader(),
                    "io/kaagent/instrument/TransformSample");
            List<HookTarget> targets = HookTarget.warmUpTargets();
            HookTransformer transformer = new HookTransformer(targets, false, false, HookGate.open());
            byte[] rewritten = transformer.transform(null, targets.get(0).className, null, null, sample);
            return rewritten != null && transformer.failures().isEmpty()
                    && transformer.applied().size() == targets.size();
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * Loads the targets not loaded yet (each is rewritten as it loads, on this thread instead of on the application's
     * first socket) and runs the self-test.
     *
     * @return the problems found; empty when every hook is in place
     */
    public List<String> complete() {
        List<String> found = new ArrayList<String>(problems);
        List<String> missingClasses = new ArrayList<String>();
        for (String name : HookTarget.classNames()) {
            try {
                // The bootstrap loader, without initialising: the JDK's own copy, nothing of the application's.
                Class.forName(name, false, null);
            } catch (ClassNotFoundException e) {
                missingClasses.add(name.replace('.', '/'));
                found.add("class " + name + " not found in this JDK");
            } catch (LinkageError e) {
                found.add("class " + name + " cannot be loaded: " + e);
            }
        }
        found.addAll(transformer.failures());
        for (HookTarget target : HookTarget.ALL) {
            if (!missingClasses.contains(target.className)
                    && !transformer.applied().contains(HookTransformer.key(target))) {
                String problem = "hook did not take: " + target;
                if (!found.contains(problem)) {
                    found.add(problem);
                }
            }
        }
        return found;
    }
}
