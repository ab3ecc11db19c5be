package io.kaagent.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.security.PrivilegedExceptionAction;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import io.kaagent.Privileged;

/**
 * Puts jffi (the JNI half of jnr-ffi) into a named module of its own, {@code io.kaagent.jffi}, in a module layer
 * of the agent's. JDK 22+ warns on stderr when code in an unnamed module loads a native library or binds a native
 * method (JEP 472), and the only switch for unnamed code, ALL-UNNAMED, would also silence the application's own
 * warnings. A named module can be given native access alone. Compiled for Java 11 and used on 9+ only; on 8 jffi
 * stays in the agent's loader.
 */
public final class JffiModuleLayer {
    static final String MODULE = "io.kaagent.jffi";

    private JffiModuleLayer() {
    }

    /**
     * Creates the layer and returns the loader that defines jffi's classes in it. With the agent's permissions
     * ({@link Privileged}): the launcher's class loader, which a Security Manager's policy need not grant, calls it.
     */
    public static ClassLoader create(final ClassLoader agentLoader) throws Exception {
        return Privileged.call(new PrivilegedExceptionAction<ClassLoader>() {
            @Override
            public ClassLoader run() throws Exception {
                return createLayer(agentLoader);
            }
        });
    }

    private static ClassLoader createLayer(ClassLoader agentLoader) throws Exception {
        ModuleDescriptor.Builder jffi = ModuleDescriptor.newModule(MODULE)
                .exports("com.kenai.jffi")
                .exports("com.kenai.jffi.internal");
        ModuleLayer boot = ModuleLayer.boot();
        // jffi's MemoryIO uses sun.misc.Unsafe, its StubLoader java.util.logging: read where the boot layer has them.
        // An application started from a named module (java -m) has only the modules it requires (and those bound
        // to services): jdk.unsupported is often missing, and requiring it would fail the layer, leaving jffi in the
        // unnamed module, where JDK 22+ warns. jffi does without it there as it does in the agent's loader.
        for (String optional : new String[] {"jdk.unsupported", "java.logging"}) {
            if (boot.findModule(optional).isPresent()) {
                jffi.requires(optional);
            }
        }
        ModuleDescriptor descriptor = jffi.build();
        ModuleReference reference = new ModuleReference(descriptor, null) {
            @Override
            public ModuleReader open() {
                return new EmptyReader();
            }
        };
        ModuleFinder finder = new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return MODULE.equals(name) ? Optional.of(reference) : Optional.empty();
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.of(reference);
            }
        };
        Configuration configuration = boot.configuration().resolve(finder, ModuleFinder.of(), Set.of(MODULE));
        JffiClassLoader loader = new JffiClassLoader(agentLoader);
        ModuleLayer.Controller controller = ModuleLayer.defineModules(configuration, List.of(boot), name -> loader);
        Module module = controller.layer().findModule(MODULE).orElseThrow();
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

    private static final class EmptyReader implements ModuleReader {
        @Override
        public Optional<URI> find(String name) {
            return Optional.empty();
        }

        @Override
        public Stream<String> list() {
            return Stream.empty();
        }

        @Override
        public void close() {
        }
    }

    /** Defines jffi's classes, read from the agent's hidden entries, into the named module. */
    private static final class JffiClassLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final ClassLoader agentLoader;
        /** The agent's own (all permissions), taken once: a Security Manager would check each later call. */
        private final ProtectionDomain domain = JffiModuleLayer.class.getProtectionDomain();

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
