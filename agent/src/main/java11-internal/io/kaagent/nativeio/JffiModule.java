package io.kaagent.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Method;
import java.net.URL;
import java.security.PrivilegedExceptionAction;
import java.security.ProtectionDomain;
import java.util.function.Function;

import io.kaagent.Privileged;
import jdk.internal.module.Modules;

/**
 * Puts jffi (the JNI half of jnr-ffi) into a named module of its own, {@code io.kaagent.jffi}. JDK 22+ warns on
 * stderr when code in an unnamed module loads a native library or binds a native method (JEP 472), and the only
 * switch for unnamed code, ALL-UNNAMED, would also silence the application's own warnings. A named module can be
 * given native access alone. Used on 22+ only (HiddenClassLoader.checksNativeAccess): on earlier JDKs jffi stays in
 * the agent's loader, and nothing warns.
 * <p>
 * The module is defined the way the JDK defines the dynamic modules of its proxies, through
 * {@code jdk.internal.module.Modules} (ModuleOpener opens that package to the agent; compiled with add-exports): no
 * module layer, so no resolution. A layer's {@code Configuration.resolve} streams over the boot layer's modules and
 * spins their lambdas: ~20 ms of the init thread on a cold JDK 25, against ~1 ms here. Such a module reads and exports
 * only what it is told: java.base, jdk.unsupported and java.logging where the boot layer has them (jffi's MemoryIO
 * uses sun.misc.Unsafe; an application started from a named module, {@code java -m}, often lacks jdk.unsupported,
 * and jffi does without it there as it does in the agent's loader), and its two packages to everybody.
 */
public final class JffiModule implements Function<ClassLoader, ClassLoader> {
    static final String MODULE = "io.kaagent.jffi";
    private static final String[] PACKAGES = {"com.kenai.jffi", "com.kenai.jffi.internal"};

    /**
     * Defines the module and returns the loader that defines jffi's classes in it. With the agent's permissions
     * ({@link Privileged}): the launcher's class loader, which a Security Manager's policy need not grant, calls it.
     *
     * @throws IllegalStateException when the module cannot be defined (the caller then leaves jffi in its loader)
     */
    @Override
    public ClassLoader apply(final ClassLoader agentLoader) {
        try {
            return Privileged.call(new PrivilegedExceptionAction<ClassLoader>() {
                @Override
                public ClassLoader run() throws Exception {
                    return define(agentLoader);
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot define jffi's module", e);
        }
    }

    private static ClassLoader define(ClassLoader agentLoader) throws Exception {
        ModuleDescriptor.Builder jffi = ModuleDescriptor.newModule(MODULE);
        for (String pkg : PACKAGES) {
            jffi.exports(pkg);
        }
        JffiClassLoader loader = new JffiClassLoader(agentLoader);
        Module module = Modules.defineModule(loader, jffi.build(), null);
        Modules.addReads(module, Object.class.getModule());
        ModuleLayer boot = ModuleLayer.boot();
        for (String optional : new String[] {"jdk.unsupported", "java.logging"}) {
            Module present = boot.findModule(optional).orElse(null);
            if (present != null) {
                Modules.addReads(module, present);
            }
        }
        for (String pkg : PACKAGES) {
            Modules.addExports(module, pkg);
        }
        enableNativeAccess(module);
        return loader;
    }

    /**
     * JDK 22+: {@code Module.implAddEnableNativeAccess()}, what --enable-native-access=io.kaagent.jffi does. The
     * public {@code Controller.enableNativeAccess} is itself restricted and would warn about the agent's own caller.
     * java.lang is opened to the agent by ModuleOpener. Earlier JDKs have no such check and no such method.
     */
    private static void enableNativeAccess(Module module) throws Exception {
        Method enable;
        try {
            enable = Module.class.getDeclaredMethod("implAddEnableNativeAccess");
        } catch (NoSuchMethodException beforeJdk22) {
            return;
        }
        enable.setAccessible(true);
        enable.invoke(module);
    }

    /** Defines jffi's classes, read from the agent's hidden entries, into the named module. */
    private static final class JffiClassLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final ClassLoader agentLoader;
        /** The agent's own (all permissions), taken once: a Security Manager would check each later call. */
        private final ProtectionDomain domain = JffiModule.class.getProtectionDomain();

        JffiClassLoader(ClassLoader agentLoader) {
            super("ka-agent-jffi", ClassLoader.getPlatformClassLoader());
            this.agentLoader = agentLoader;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            InputStream in = agentLoader.getResourceAsStream(name.replace('.', '/') + ".classdata");
            if (in == null) {
                throw new ClassNotFoundException(name);
            }
            try (InputStream stream = in) {
                byte[] bytes = stream.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length, domain);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }

        @Override
        protected URL findResource(String moduleName, String name) {
            return agentLoader.getResource(name);
        }

        @Override
        protected URL findResource(String name) {
            return agentLoader.getResource(name);
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            return agentLoader.getResourceAsStream(name);
        }
    }
}
