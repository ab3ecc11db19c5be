package io.kaagent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.io.IOException;
import java.security.PrivilegedAction;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.kaagent.Privileged;

/**
 * Rewrites the hook targets with the ASM that Byte Buddy embeds, by hand: no AgentBuilder, no runtime code
 * generation. That keeps start-up near the cost of a bare class-file transformer (FACTS.md: an AgentBuilder costs
 * ~500 ms more). ASM is touched only by {@link HookRewriter}, so registering this transformer loads none of it, and
 * a class rewritten before by the same JDK and agent build comes from the {@link HookClassCache} without ASM. A
 * target is rewritten as it loads, or retransformed if it was loaded before the agent came.
 * Unregistered once every target is loaded and rewritten ({@link HookInstaller#releaseTransformer}): a registered
 * transformer taxes every class load of the JVM.
 * <p>
 * Rewriting a class while it loads is safe here because nothing this class and its ASM need is a socket class or
 * refers to one: the JDK 25 deadlock of FACTS.md came from transformer code that loaded JDK classes (type
 * descriptions, frame computation) inside the transform. Only the bootstrap loader's copies are touched.
 */
final class HookTransformer implements ClassFileTransformer {
    private final List<HookTarget> targets;
    private final Set<String> targetClasses;
    private final Set<String> applied = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
    private final Set<String> failures = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
    /** Target classes (internal names) whose current bytes are this transformer's rewrite. */
    private final Set<String> rewritten = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());

    /** Whether rewritten classes are looked up in (and written to) the {@link HookClassCache}. */
    private final boolean cached;
    /**
     * Whether a target rewritten at its load defines the bridge in its static initialiser ({@link BridgeDefiner}):
     * it then loads without waiting for the agent to prepare the JVM.
     */
    private final boolean carriesBridge;
    private final HookGate gate;
    private volatile byte[] bridge;
    private volatile HookClassCache cache;
    private volatile HookClassCache carryingCache;
    private volatile boolean cacheOpened;

    /**
     * @param cached through this user's {@link HookClassCache} for this JVM, opened at the first rewrite
     * @param carriesBridge see {@link #carriesBridge}; JDK 9+ only
     */
    HookTransformer(List<HookTarget> targets, boolean cached, boolean carriesBridge, HookGate gate) {
        this(targets, cached, null, carriesBridge, gate);
    }

    /** Through that cache (tests). */
    HookTransformer(List<HookTarget> targets, HookClassCache cache, boolean carriesBridge) {
        this(targets, true, cache, carriesBridge, HookGate.open());
    }

    private HookTransformer(List<HookTarget> targets, boolean cached, HookClassCache cache, boolean carriesBridge,
            HookGate gate) {
        this.targets = targets;
        this.cached = cached;
        this.carriesBridge = carriesBridge;
        this.gate = gate;
        this.cache = cache;
        this.carryingCache = cache == null ? null : cache.carryingTheBridge();
        this.cacheOpened = cache != null;
        Set<String> classes = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
        for (HookTarget target : targets) {
            classes.add(target.className);
        }
        this.targetClasses = classes;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] classfile) {
        if (loader != null || className == null || !targetClasses.contains(className)) {
            return null;
        }
        // At its load the class may bring the bridge itself, and then need not wait for the agent's preparation
        // (a retransformation may only change the code of methods, and comes after the preparation anyway).
        boolean carry = carriesBridge && redefined == null;
        if (carry ? gate.refused() : !gate.awaitPrepared()) {
            return leftAlone(className);
        }
        try {
            Set<String> took = new HashSet<String>();
            byte[] bytes = rewriteWithAgentPermissions(className, classfile, carry, took);
            if (carry && !took.remove(HookRewriter.BRIDGE_IN_INITIALISER)) {
                // No static initialiser to carry the bridge (or no bridge to carry): the class waits, as without.
                if (!gate.awaitPrepared()) {
                    return leftAlone(className);
                }
            } else if (carry) {
                gate.want(); // the application is about to use sockets: the agent prepares now, not later
            }
            applied.addAll(took);
            for (HookTarget target : targets) {
                if (target.className.equals(className) && !applied.contains(key(target))) {
                    failures.add("hook did not take: " + target);
                }
            }
            rewritten.add(className);
            return bytes;
        } catch (Throwable t) {
            failures.add(className + ": " + t);
            return null;
        }
    }

    private byte[] leftAlone(String className) {
        failures.add(className + ": left as it is, the agent did not get the JVM ready for its hooks");
        return null;
    }

    /**
     * On the thread that loads the class, an application's: under a Security Manager it installed, the cache and
     * ASM's jar are read with the agent's permissions ({@link Privileged}).
     */
    private byte[] rewriteWithAgentPermissions(final String className, final byte[] classfile, final boolean carry,
            final Set<String> took) {
        return Privileged.run(new PrivilegedAction<byte[]>() {
            @Override
            public byte[] run() {
                return rewrite(className, classfile, carry, took);
            }
        });
    }

    /** @param carry whether to put the bridge into the class's static initialiser ({@link BridgeDefiner}) */
    private byte[] rewrite(String className, byte[] classfile, boolean carry, Set<String> took) {
        HookClassCache cache = cache(carry);
        byte[] rewritten = cache == null ? null : cache.lookup(className, classfile, took);
        if (rewritten == null) {
            rewritten = HookRewriter.rewrite(classfile, className, targets, took, carry ? bridge() : null);
            if (cache != null) {
                cache.store(className, classfile, took, rewritten);
            }
        }
        return rewritten;
    }

    /**
     * The bridge's class file, read from the agent jar at the first rewrite that carries it (not on a cache hit);
     * null when it cannot be read: the class is then rewritten without it and waits at the gate.
     */
    private byte[] bridge() {
        byte[] bytes = bridge;
        if (bytes == null) {
            try {
                bytes = AgentClassBytes.of(HookTransformer.class.getClassLoader(),
                        BootstrapBridge.NAME.replace('.', '/'));
            } catch (IOException e) {
                return null;
            }
            bridge = bytes;
        }
        return bytes;
    }

    /**
     * Opened at the first rewrite: a JVM that never loads a socket class never reads the agent's build id.
     *
     * @param carry the entries of classes that carry the bridge, or of those that do not
     */
    private HookClassCache cache(boolean carry) {
        if (!cached) {
            return null;
        }
        if (!cacheOpened) {
            synchronized (this) {
                if (!cacheOpened) {
                    cache = HookClassCache.forThisJvm();
                    carryingCache = cache == null ? null : cache.carryingTheBridge();
                    cacheOpened = true;
                }
            }
        }
        return carry ? carryingCache : cache;
    }

    HookGate gate() {
        return gate;
    }

    /** {@link HookClassCache#tidy} of both caches this transformer opened, if it opened them. */
    void tidyCache() {
        if (cacheOpened) {
            for (HookClassCache opened : new HookClassCache[] {cache, carryingCache}) {
                if (opened != null) {
                    opened.tidy();
                }
            }
        }
    }

    /** Targets whose method was rewritten at least once, by {@link HookTarget#id()} and kind. */
    Set<String> applied() {
        return applied;
    }

    /** Whether that target class (internal name) was rewritten by this transformer as it loaded, or since. */
    boolean rewritten(String className) {
        return rewritten.contains(className);
    }

    /** What went wrong so far: a target that failed to rewrite, or a method of it that was not found. */
    Set<String> failures() {
        return failures;
    }

    static String key(HookTarget target) {
        return target.id() + "/" + target.kind;
    }
}
