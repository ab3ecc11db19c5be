package io.kaagent.attach;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Properties;

import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * The JDK attach API ({@code com.sun.tools.attach.VirtualMachine}), reached through reflection: it lives in the
 * jdk.attach module on 9+ and in tools.jar on 8, which Byte Buddy's attachment provider finds. Before attaching,
 * {@link #attach} checks what /proc can tell, so each common failure gets one line that says what to do instead of
 * the attach API's stack trace — and so a JVM that would die of the attach API's SIGQUIT is never sent one.
 */
public final class AttachClient implements AutoCloseable {
    private final JvmProcess process;
    private final Object vm;
    private final Class<?> type;

    private AttachClient(JvmProcess process, Object vm, Class<?> type) {
        this.process = process;
        this.vm = vm;
        this.type = type;
    }

    /** Checks that the process is a JVM this user may attach to, then attaches. */
    public static AttachClient attach(JvmProcess process) throws AttachException {
        check(process);
        Class<?> type = virtualMachineType();
        try {
            Object vm = type.getMethod("attach", String.class).invoke(null, Long.toString(process.pid()));
            return new AttachClient(process, vm, type);
        } catch (InvocationTargetException e) {
            throw translateAttach(process, e.getCause());
        } catch (Exception e) {
            throw new AttachException("cannot attach to pid " + process.pid() + ": " + e, e);
        }
    }

    /** The checks /proc allows, in the order a user would want to hear about them. */
    static void check(JvmProcess process) throws AttachException {
        long pid = process.pid();
        int me = JvmProcess.currentUid();
        int owner = process.uid();
        if (owner < 0) {
            throw new AttachException("no process with pid " + pid);
        }
        if (owner != me && me != 0) {
            String user = JvmProcess.userName(owner);
            throw new AttachException("pid " + pid + " belongs to user " + user + ", this is "
                    + JvmProcess.userName(me) + ": run the command as that user (sudo -u " + user
                    + " java -jar ka-agent.jar ...) or as root");
        }
        Boolean jvm = process.isJvm();
        if (Boolean.FALSE.equals(jvm)) {
            throw new AttachException("pid " + pid + " (" + process.command() + ") is not a Java VM");
        }
        if (Boolean.FALSE.equals(process.attachEnabled())) {
            throw new AttachException("pid " + pid + " runs with the attach mechanism disabled "
                    + "(-XX:+DisableAttachMechanism): ka-agent can only be added at its next start, with -javaagent");
        }
        if (!process.attachListenerRunning() && !process.catchesSigQuit()) {
            // The attach API wakes the JVM's attach listener with SIGQUIT; unhandled, that signal ends the process.
            throw new AttachException("pid " + pid + " does not handle SIGQUIT (it runs with -Xrs, or is still "
                    + "starting): attaching would terminate it, so ka-agent does not try");
        }
    }

    private static Class<?> virtualMachineType() throws AttachException {
        ByteBuddyAgent.AttachmentProvider.Accessor accessor;
        try {
            accessor = ByteBuddyAgent.AttachmentProvider.DEFAULT.attempt();
        } catch (Throwable t) {
            accessor = null;
        }
        if (accessor == null || !accessor.isAvailable()) {
            throw new AttachException("this Java (" + System.getProperty("java.home") + ") has no attach API (the "
                    + "jdk.attach module, or tools.jar on Java 8): run the command with a full JDK's java");
        }
        return accessor.getVirtualMachineType();
    }

    private static AttachException translateAttach(JvmProcess process, Throwable cause) {
        long pid = process.pid();
        String message = String.valueOf(cause.getMessage());
        if (message.contains("doesn't respond") || message.contains("timed out") || message.contains("Timeout")) {
            return new AttachException("pid " + pid + " did not answer the attach request in time: it may be "
                    + "stopped, hung, or not a HotSpot/OpenJ9 JVM (" + message + ")", cause);
        }
        if (message.contains("Permission denied") || message.contains("well-known file")) {
            return new AttachException("cannot attach to pid " + pid + ": " + message + " (attach needs the same user "
                    + "as the JVM, or root)", cause);
        }
        if (message.contains("does not support the attach mechanism")) {
            return new AttachException("pid " + pid + " runs with the attach mechanism disabled "
                    + "(-XX:+DisableAttachMechanism): ka-agent can only be added at its next start, with -javaagent",
                    cause);
        }
        return new AttachException("cannot attach to pid " + pid + ": " + cause, cause);
    }

    /** The target's system properties (the attach API's "properties" command: no agent is loaded for it). */
    public Properties systemProperties() throws AttachException {
        try {
            return (Properties) type.getMethod("getSystemProperties").invoke(vm);
        } catch (InvocationTargetException e) {
            throw new AttachException("cannot read the system properties of pid " + process.pid() + ": "
                    + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AttachException("cannot read the system properties of pid " + process.pid() + ": " + e, e);
        }
    }

    /** Loads the agent jar; returns when its agentmain has returned. */
    public void loadAgent(File agentJar, String argument) throws AttachException {
        try {
            Method load = type.getMethod("loadAgent", String.class, String.class);
            load.invoke(vm, agentJar.getAbsolutePath(), argument);
        } catch (InvocationTargetException e) {
            throw translateLoad(agentJar, e.getCause());
        } catch (Exception e) {
            throw new AttachException("cannot load the agent into pid " + process.pid() + ": " + e, e);
        }
    }

    private AttachException translateLoad(File agentJar, Throwable cause) {
        long pid = process.pid();
        String message = String.valueOf(cause.getMessage());
        String kind = cause.getClass().getSimpleName();
        if (message.contains("Dynamic agent loading is not enabled") || message.contains("EnableDynamicAgentLoading")) {
            return new AttachException("pid " + pid + " forbids loading agents at run time "
                    + "(-XX:-EnableDynamicAgentLoading): add ka-agent at its next start with -javaagent", cause);
        }
        if (kind.equals("AgentLoadException") && (message.contains("not found") || message.contains("Agent-Class"))) {
            return new AttachException("pid " + pid + " could not open " + agentJar.getAbsolutePath() + ": the JVM "
                    + "runs as " + process.userName() + " and must be able to read it (" + message + ")", cause);
        }
        if (message.contains("Unable to add JAR file to system class path")) {
            // The JVM appends every agent's jar to the system class loader, and a loader installed with
            // -Djava.system.class.loader must define appendToClassPathForInstrumentation for that.
            return new AttachException("pid " + pid + "'s system class loader" + systemLoaderName()
                    + " cannot take an agent's jar (it has no appendToClassPathForInstrumentation method): no Java "
                    + "agent can be loaded into this JVM", cause);
        }
        if (kind.equals("AgentInitializationException")) {
            return new AttachException("the agent failed to start in pid " + pid + " (its stderr has the reason): "
                    + message, cause);
        }
        return new AttachException("loading the agent into pid " + pid + " failed: " + cause, cause);
    }

    /** " (NAME, -Djava.system.class.loader)", or nothing when the JVM cannot tell now. */
    private String systemLoaderName() {
        try {
            String name = systemProperties().getProperty("java.system.class.loader");
            return name == null ? "" : " (" + name + ", -Djava.system.class.loader)";
        } catch (AttachException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            type.getMethod("detach").invoke(vm);
        } catch (Exception ignored) {
            // the connection is gone either way
        }
    }
}
