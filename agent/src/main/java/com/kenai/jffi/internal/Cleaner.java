package com.kenai.jffi.internal;

/**
 * ka-agent's replacement for jffi's own {@code Cleaner} (the shade filter in agent/pom.xml drops the original). jffi
 * registers the native memory of its libraries and call contexts to be freed once they become unreachable; its
 * Cleaner made a {@code java.lang.ref.Cleaner} of its own on 9+, so a thread ("Cleaner-0") in every JVM the agent
 * rides in, and called it through reflection (~3 ms of the init thread on a cold JDK 25). The agent opens only the
 * default library and makes a handful of call contexts, and holds all of them for the JVM's life (nativeio.LibC):
 * nothing it registers ever becomes unreachable, so that thread would never have cleaned anything. Here a
 * registration keeps nothing; what it returns frees the memory when called, once, as jffi's did (an explicit
 * dispose). Checked against jffi 1.4.3: its callers use {@link #register} only.
 */
public final class Cleaner {
    private Cleaner() {
    }

    /**
     * @return runs {@code cleanup} the first time it is run, never again
     */
    public static Runnable register(Object referent, Runnable cleanup) {
        return new Once(cleanup);
    }

    private static final class Once implements Runnable {
        private Runnable cleanup;

        Once(Runnable cleanup) {
            this.cleanup = cleanup;
        }

        @Override
        public void run() {
            Runnable pending;
            synchronized (this) {
                pending = cleanup;
                cleanup = null;
            }
            if (pending != null) {
                pending.run();
            }
        }
    }
}
