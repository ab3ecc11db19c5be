package io.kaagent;

import java.security.AccessController;
import java.security.PrivilegedAction;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

/**
 * The agent's work under a Security Manager that the application installs after the start (Elasticsearch does, from
 * its bootstrap, with a policy of its own that knows nothing of the agent). The agent's classes hold every
 * permission in their own protection domain (AgentMain's loader); their work runs inside {@code doPrivileged}, so a
 * check stops at the agent's frames: the application's frames below a hook, and the launcher's (a class-path class,
 * which that policy does not grant) in the context a thread inherits, are not asked.
 * <p>
 * JDK 24+ cannot install a Security Manager (JEP 486), and a later JDK may lack the methods: nothing here is called
 * there.
 */
@SuppressWarnings("removal")
public final class Privileged {
    private static final boolean POSSIBLE = JavaRelease.current() < 24;

    private Privileged() {
    }

    /** Whether a Security Manager is installed now: a few field reads. */
    public static boolean securityManagerInstalled() {
        return POSSIBLE && System.getSecurityManager() != null;
    }

    /**
     * A thread of the agent's. Created inside doPrivileged, it inherits the agent's context instead of its
     * creator's, which at the start holds the launcher: a check it meets after a Security Manager came stops at the
     * agent's classes.
     */
    public static Thread newThread(final Runnable work, final String name) {
        return run(new PrivilegedAction<Thread>() {
            @Override
            public Thread run() {
                return new Thread(work, name);
            }
        });
    }

    /** As {@link #run}, for work that throws. */
    public static <T> T call(PrivilegedExceptionAction<T> action) throws Exception {
        if (!POSSIBLE) {
            return action.run();
        }
        try {
            return AccessController.doPrivileged(action);
        } catch (PrivilegedActionException e) {
            throw e.getException();
        }
    }

    /**
     * Runs {@code action} with the agent's permissions alone (see the class comment), on every JDK that can have a
     * Security Manager, whether one is installed yet or not: one the application installs meanwhile would otherwise
     * weigh the rest of the work against the frames below, the launcher's class loader among them. For work done a
     * few times per JVM; the hooks ask {@link #securityManagerInstalled} first.
     */
    public static <T> T run(PrivilegedAction<T> action) {
        return POSSIBLE ? AccessController.doPrivileged(action) : action.run();
    }
}
