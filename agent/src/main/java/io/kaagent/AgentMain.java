package io.kaagent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.AllPermission;
import java.security.CodeSource;
import java.security.Permissions;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The only class of the agent on the application's class path (the JVM always puts a {@code -javaagent} jar there).
 * It gets the agent's real classes into place — they sit in the jar under {@code inst/} as {@code *.classdata},
 * invisible to the application's class loaders — and delegates. Nothing else happens here: no policy, no logging.
 */
public final class AgentMain {
    private static final String HIDDEN_PREFIX = "inst/";
    private static volatile HiddenClassLoader hiddenLoader;

    private AgentMain() {
    }

    public static void premain(String argument, Instrumentation instrumentation) {
        start(argument, instrumentation, false);
    }

    public static void agentmain(String argument, Instrumentation instrumentation) {
        start(argument, instrumentation, true);
    }

    /** {@code java -jar ka-agent.jar COMMAND}: the command line. */
    public static void main(String[] args) throws Throwable {
        MethodHandle main = MethodHandles.publicLookup().findStatic(Class.forName("io.kaagent.cli.Cli", true,
                loader()), "main", MethodType.methodType(void.class, String[].class));
        main.invokeExact(args);
    }

    private static void start(String argument, Instrumentation instrumentation, boolean attached) {
        // The kill switch is checked before a single class of the agent is loaded.
        if (killSwitchOn()) {
            return;
        }
        if (securityManagerInstalled() && !grantedAllPermission()) {
            // This class's own work (a property, the jar, a class loader) is weighed against the application's
            // policy, and one check denied in premain aborts the JVM's start. The agent's other classes hold every
            // permission themselves (HiddenClassLoader), which is how one installed later leaves the agent working.
            System.err.println("ka-agent: ERROR a Security Manager is installed (java.security.manager) and its "
                    + "policy does not grant ka-agent.jar AllPermission: the agent installs nothing");
            return;
        }
        try {
            HiddenClassLoader loader = loader();
            if (attached || !loader.launch(argument, instrumentation)) {
                // An attach (or a second premain): reflection, its cost does not delay a JVM's start.
                Class.forName("io.kaagent.Agent", true, loader)
                        .getMethod(attached ? "agentmain" : "premain", String.class, Instrumentation.class)
                        .invoke(null, argument, instrumentation);
            }
        } catch (InvocationTargetException e) {
            failed(e.getCause());
        } catch (ExceptionInInitializerError e) {
            failed(e.getCause() == null ? e : e.getCause());
        } catch (Throwable t) {
            failed(t);
        }
    }

    private static void failed(Throwable t) {
        if (t instanceof Error && "ka.agent.strict".equals(t.getMessage())) {
            // Strict mode asked for a failed start; the agent printed why.
            throw (Error) t;
        }
        System.err.println("ka-agent: ERROR the agent could not start and is inactive: " + t);
    }

    /** JDK 8-23 only: later ones cannot install one, and a JDK without the method has none either. */
    @SuppressWarnings("removal")
    private static boolean securityManagerInstalled() {
        try {
            return System.getSecurityManager() != null;
        } catch (Throwable removed) {
            return false;
        }
    }

    /** Whether the Security Manager's policy grants this jar everything (asked of it only when there is one). */
    private static boolean grantedAllPermission() {
        try {
            ProtectionDomain own = AgentMain.class.getProtectionDomain();
            return own != null && own.implies(new AllPermission());
        } catch (SecurityException denied) {
            return false;
        }
    }

    /** -Dka.agent.disabled / KA_AGENT_DISABLED, as far as a Security Manager lets them be read (else off). */
    private static boolean killSwitchOn() {
        try {
            return isTrue(System.getProperty("ka.agent.disabled")) || isTrue(System.getenv("KA_AGENT_DISABLED"));
        } catch (SecurityException denied) {
            return false;
        }
    }

    /** As AgentLog.jvmExiting, which the launcher cannot reach: whether the JVM's shutdown has begun. */
    static boolean jvmExiting() {
        Thread probe = new Thread("ka-agent-exit-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
        } catch (IllegalStateException shuttingDown) {
            return true;
        } catch (RuntimeException refused) {
            return false; // a Security Manager installed by the application since the start
        }
        return false;
    }

    private static boolean isTrue(String value) {
        return value != null && value.trim().toLowerCase(Locale.ROOT).equals("true");
    }

    private static HiddenClassLoader loader() throws IOException {
        HiddenClassLoader loader = hiddenLoader;
        if (loader == null) {
            synchronized (AgentMain.class) {
                loader = hiddenLoader;
                if (loader == null) {
                    loader = new HiddenClassLoader(ownJar(), platformLoader());
                    hiddenLoader = loader;
                }
            }
        }
        return loader;
    }

    private static File ownJar() throws IOException {
        ProtectionDomain domain = AgentMain.class.getProtectionDomain();
        CodeSource source = domain == null ? null : domain.getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new IOException("cannot locate ka-agent.jar (no code source)");
        }
        try {
            return new File(source.getLocation().toURI());
        } catch (Exception e) {
            throw new IOException("cannot locate ka-agent.jar: " + source.getLocation(), e);
        }
    }

    /** The platform loader on 9+, the extension loader on 8: JDK modules visible, the application not. */
    private static ClassLoader platformLoader() {
        return ClassLoader.getSystemClassLoader().getParent();
    }

    /**
     * Loads the agent's classes and resources from {@code inst/} of the agent jar. {@code io.kaagent.*} (ours and the
     * relocated libraries, which exist nowhere else) is looked up here first; everything else parent-first, so JDK
     * classes and the bootstrap bridge (defined into the bootstrap loader by the agent) are never duplicated.
     * <p>
     * The relocated libraries but jffi are one nested jar, {@code inst/libs.jar}, opened at the first lookup of one of
     * their names ({@link #LIBRARY_PREFIXES}) through io.kaagent.cache.LibraryJar: the JDK indexes every entry of this
     * jar in every JVM, and a start with warm caches needs none of them.
     */
    static final class HiddenClassLoader extends ClassLoader implements Supplier<Object[]> {
        private static final String OWN_PACKAGES = "io.kaagent.";
        private static final String BRIDGE_PACKAGE = "io.kaagent.bootstrap.";
        /** Where in {@code inst/} the names of the nested libraries' jar begin (see agent/pom.xml). */
        private static final String[] LIBRARY_PREFIXES = {"io/kaagent/shaded/", "win32-"};
        /** Not relocated (its stub's JNI names), not nested: every JVM's native layer loads ~50 of its classes. */
        private static final String JFFI_PACKAGE = "com.kenai.jffi.";
        /** JEP 442/472: restricted methods, and from 24 JNI's library loading, warn unless access is enabled. */
        private static final int FIRST_RELEASE_CHECKING_NATIVE_ACCESS = 22;

        static {
            registerAsParallelCapable();
        }

        private final JarFile jar;
        private final URL jarUrl;
        /** Taken once: a Security Manager would check every later call of getProtectionDomain. */
        private final ProtectionDomain domain;
        /**
         * premain's arguments, from {@link #launch} until io.kaagent.Launch takes them ({@link #get}). Guarded by
         * this loader's monitor, not an AtomicReference: on JDK 21+ that sets up VarHandles, ~8 spun classes.
         */
        private Object[] launchArguments;
        private boolean jffiModuleTried;
        private ClassLoader jffiModuleLoader;
        private final Object librariesLock = new Object();
        /** The libraries' jar once opened (guarded by librariesLock); null before, or when it cannot be opened. */
        private volatile JarFile libraries;
        private boolean librariesTried;

        HiddenClassLoader(File jarFile, ClassLoader parent) throws IOException {
            super(parent);
            this.jar = new JarFile(jarFile, false);
            this.jarUrl = jarFile.toURI().toURL();
            this.domain = allPermissions(new CodeSource(jarUrl, (Certificate[]) null));
        }

        /**
         * The agent's classes hold every permission themselves, whatever a Security Manager's policy says (static
         * permissions: no policy is asked). One that the application installs after the start knows nothing of the
         * agent (Elasticsearch's), and the agent's work, done inside doPrivileged (io.kaagent.Privileged), is then
         * weighed against this domain alone. It grants nothing an agent does not have: it can rewrite any class.
         */
        private static ProtectionDomain allPermissions(CodeSource source) {
            Permissions permissions = new Permissions();
            permissions.add(new AllPermission());
            return new ProtectionDomain(source, permissions);
        }

        /**
         * Runs the agent's premain through the static initialiser of {@code io.kaagent.Launch}, which takes the
         * arguments from this loader ({@link #get}, through a JDK interface) and calls it directly. No reflection:
         * on JDK 18+ reflection runs on method handles, and the call cost a cold JDK 25 JVM ~8 ms of
         * java.lang.invoke code generation even in premain's own shape.
         *
         * @return false when Launch had run already (a second premain in one JVM): nothing was called
         */
        boolean launch(String argument, Instrumentation instrumentation) throws ClassNotFoundException {
            boolean untaken;
            synchronized (this) {
                launchArguments = new Object[] {argument, instrumentation};
            }
            try {
                Class.forName("io.kaagent.Launch", true, this);
            } finally {
                // Not taken: Launch was initialised before, and premain was not called.
                untaken = get() != null;
            }
            return !untaken;
        }

        /** For io.kaagent.Launch only: premain's arguments, once; null afterwards. */
        @Override
        public synchronized Object[] get() {
            Object[] arguments = launchArguments;
            launchArguments = null;
            return arguments;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            boolean jffi = name.startsWith(JFFI_PACKAGE);
            if (jffi) {
                ClassLoader inModule = jffiLoader();
                if (inModule != null) {
                    return inModule.loadClass(name);
                }
            }
            if (jffi || name.startsWith(OWN_PACKAGES) && !name.startsWith(BRIDGE_PACKAGE)) {
                // The agent's own, relocated and jffi's classes exist only here (jffi's in no loader but the
                // agent's): asking the platform and bootstrap loaders first (a failed search of the runtime image
                // each) cost ~6% of premain for ~400 classes.
                synchronized (getClassLoadingLock(name)) {
                    Class<?> loaded = findLoadedClass(name);
                    if (loaded == null) {
                        try {
                            loaded = findClass(name);
                        } catch (ClassNotFoundException notHidden) {
                            return super.loadClass(name, resolve); // the launcher, on the class path
                        }
                    }
                    if (resolve) {
                        resolveClass(loaded);
                    }
                    return loaded;
                }
            }
            return super.loadClass(name, resolve);
        }

        /**
         * On 22+ jffi lives in a named module of its own (see nativeio.JffiModule): those JDKs would otherwise warn
         * about native access from an unnamed module. Earlier ones have no such check, and need no module: there jffi
         * loads here. Created on first use, which is on the agent's own thread.
         */
        private ClassLoader jffiLoader() {
            synchronized (this) {
                if (!jffiModuleTried) {
                    jffiModuleTried = true;
                    if (checksNativeAccess(System.getProperty("java.specification.version", "1.8"))) {
                        try {
                            // Through a JDK interface: a reflective call of a static method spins method handles,
                            // ~10 ms of a cold JDK 25; a constructor's ~3.
                            @SuppressWarnings("unchecked")
                            Function<ClassLoader, ClassLoader> module = (Function<ClassLoader, ClassLoader>) Class
                                    .forName("io.kaagent.nativeio.JffiModule", true, this).newInstance();
                            jffiModuleLoader = module.apply(this);
                        } catch (Throwable t) {
                            // jffi then loads here, in the unnamed module: it works, JDK 22+ just warns once.
                            jffiModuleLoader = null;
                        }
                    }
                }
                return jffiModuleLoader;
            }
        }

        /** Whether a JVM of this java.specification.version warns about native access from unnamed modules. */
        static boolean checksNativeAccess(String specificationVersion) {
            if (specificationVersion.startsWith("1.")) {
                return false;
            }
            int dot = specificationVersion.indexOf('.');
            try {
                return Integer.parseInt(dot < 0 ? specificationVersion : specificationVersion.substring(0, dot))
                        >= FIRST_RELEASE_CHECKING_NATIVE_ACCESS;
            } catch (NumberFormatException unknown) {
                return true; // a JDK of a shape not seen yet: the module, which works on any 11+
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith(BRIDGE_PACKAGE)) {
                // Lives in the bootstrap loader only; a second copy here would split the bridge in two.
                throw new ClassNotFoundException(name);
            }
            try {
                byte[] bytes = readHidden(name.replace('.', '/') + ".classdata");
                if (bytes == null) {
                    throw new ClassNotFoundException(name);
                }
                definePackageIfNeeded(name);
                return defineClass(name, bytes, 0, bytes.length, domain);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }

        /**
         * The entry of a hidden name: under {@code inst/} in the agent's own jar, or in the libraries' jar; null in
         * neither. One lookup per jar: a class load of the agent's reads one entry, found at the first try.
         */
        private ZipEntry hiddenEntry(String name) {
            ZipEntry own = jar.getEntry(HIDDEN_PREFIX + name);
            if (own != null) {
                return own;
            }
            JarFile libs = isLibraryName(name) ? libraries() : null;
            return libs == null ? null : libs.getEntry(name);
        }

        /** The jar an entry of {@link #hiddenEntry} is in (the libraries' names never start with inst/). */
        private JarFile jarHolding(ZipEntry entry) {
            return entry.getName().startsWith(HIDDEN_PREFIX) ? jar : libraries;
        }

        private InputStream open(String name) throws IOException {
            ZipEntry entry = hiddenEntry(name);
            return entry == null ? null : jarHolding(entry).getInputStream(entry);
        }

        private byte[] readHidden(String name) throws IOException {
            ZipEntry entry = hiddenEntry(name);
            return entry == null ? null : read(jarHolding(entry).getInputStream(entry), (int) entry.getSize());
        }

        private static boolean isLibraryName(String name) {
            for (String prefix : LIBRARY_PREFIXES) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The libraries' jar, opened at the first call. When it cannot be, one line says why, and their classes are
         * not found: the agent's callers handle that as the failure of what needed them (native init, YAML).
         */
        private JarFile libraries() {
            JarFile libs = libraries;
            if (libs != null) {
                return libs;
            }
            synchronized (librariesLock) {
                if (!librariesTried) {
                    librariesTried = true;
                    try {
                        // The agent's own code, through a JDK interface: no reflection beyond the constructor.
                        @SuppressWarnings("unchecked")
                        Function<JarFile, JarFile> opener = (Function<JarFile, JarFile>) Class.forName(
                                "io.kaagent.cache.LibraryJar", true, this).newInstance();
                        libraries = opener.apply(jar);
                    } catch (Throwable t) {
                        // A JVM that is exiting needs them no more, and refuses their temporary copy (LibraryJar):
                        // an agent thread that asked in those last milliseconds has nothing to report.
                        if (!jvmExiting()) {
                            System.err.println("ka-agent: ERROR cannot open the agent's libraries, native setsockopt "
                                    + "and uncached policies are unavailable: " + t);
                        }
                    }
                }
                return libraries;
            }
        }

        private void definePackageIfNeeded(String className) {
            int dot = className.lastIndexOf('.');
            if (dot < 0) {
                return;
            }
            String pkg = className.substring(0, dot);
            if (getPackage(pkg) == null) {
                try {
                    definePackage(pkg, "ka-agent", null, null, "ka-agent",
                            AgentMain.class.getPackage() == null ? null
                                    : AgentMain.class.getPackage().getImplementationVersion(), null, null);
                } catch (IllegalArgumentException raced) {
                    // Another thread defined it first: fine.
                }
            }
        }

        @Override
        protected URL findResource(String name) {
            ZipEntry entry = hiddenEntry(name);
            if (entry == null) {
                return null;
            }
            JarFile from = jarHolding(entry);
            File file = new File(from.getName());
            // A temporary copy of the libraries (no cache directory) is deleted once open: its entries have no URL.
            if (from != jar && !file.isFile()) {
                return null;
            }
            try {
                return new URL("jar:" + (from == jar ? jarUrl : file.toURI().toURL()) + "!/"
                        + entry.getName());
            } catch (MalformedURLException e) {
                return null;
            }
        }

        @Override
        protected Enumeration<URL> findResources(String name) {
            URL url = findResource(name);
            return url == null ? Collections.<URL>emptyEnumeration() : Collections.enumeration(
                    Collections.singletonList(url));
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            try {
                InputStream in = open(name);
                if (in != null) {
                    return in;
                }
            } catch (IOException e) {
                return null;
            }
            return super.getResourceAsStream(name);
        }

        private static byte[] read(InputStream in, int size) throws IOException {
            try {
                if (size >= 0) {
                    // The jar records every entry's size: one array, filled in place.
                    byte[] bytes = new byte[size];
                    int filled = 0;
                    int n;
                    while (filled < size && (n = in.read(bytes, filled, size - filled)) > 0) {
                        filled += n;
                    }
                    if (filled != size) {
                        throw new IOException("truncated entry: " + filled + " of " + size + " bytes");
                    }
                    return bytes;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                }
                return out.toByteArray();
            } finally {
                in.close();
            }
        }
    }
}
