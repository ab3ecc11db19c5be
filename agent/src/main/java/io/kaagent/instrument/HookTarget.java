package io.kaagent.instrument;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One JDK method the agent rewrites. Methods are found by name and, where the JDKs differ, by the part of the
 * descriptor that is stable: {@code descriptorPrefix} (the arguments) or the return type.
 * Hooking these covers plain, SSL, adaptor, blocking, non-blocking and virtual-thread sockets (FACTS.md).
 */
final class HookTarget {
    final String className;      // internal name, e.g. java/net/Socket
    final String methodName;
    final String descriptorPrefix;  // matched with startsWith; "(" matches every overload
    final String returnType;     // matched with endsWith, or null
    final HookKind kind;

    private HookTarget(String className, String methodName, String descriptorPrefix, String returnType,
            HookKind kind) {
        this.className = className;
        this.methodName = methodName;
        this.descriptorPrefix = descriptorPrefix;
        this.returnType = returnType;
        this.kind = kind;
    }

    boolean matches(String owner, String name, String descriptor) {
        return owner.equals(className) && name.equals(methodName) && descriptor.startsWith(descriptorPrefix)
                && (returnType == null || descriptor.endsWith(")" + returnType));
    }

    String id() {
        return className.replace('/', '.') + "." + methodName;
    }

    @Override
    public String toString() {
        return id() + " [" + kind + "]";
    }

    private static final String SOCKET_OPTION_ARGS = "(Ljava/net/SocketOption;Ljava/lang/Object;)";

    /** Every target on Linux JDK 11+ (the asynchronous channel classes are the Unix implementations). */
    static final List<HookTarget> ALL;

    static {
        List<HookTarget> all = new ArrayList<HookTarget>();
        all.add(new HookTarget("java/net/Socket", "connect", "(Ljava/net/SocketAddress;I)V", null,
                HookKind.CONNECTED_WITH_ARGUMENT));
        all.add(new HookTarget("java/net/Socket", "setKeepAlive", "(Z)V", null, HookKind.GUARD_SET_KEEPALIVE));
        all.add(new HookTarget("java/net/Socket", "setOption", SOCKET_OPTION_ARGS, "Ljava/net/Socket;",
                HookKind.GUARD_SET_OPTION));
        all.add(new HookTarget("java/net/ServerSocket", "implAccept", "(Ljava/net/Socket;)V", null,
                HookKind.ACCEPTED_ARGUMENT));
        // A listener's keepalive options reach every socket it accepts: the agent must know when the application
        // sets them there (InheritingListeners). The adaptor's setOption calls the channel's.
        all.add(new HookTarget("java/net/ServerSocket", "setOption", SOCKET_OPTION_ARGS, "Ljava/net/ServerSocket;",
                HookKind.GUARD_SET_OPTION));
        all.add(new HookTarget("sun/nio/ch/SocketChannelImpl", "connect", "(Ljava/net/SocketAddress;)Z", null,
                HookKind.CONNECTED_IF_TRUE));
        all.add(new HookTarget("sun/nio/ch/SocketChannelImpl", "finishConnect", "()Z", null,
                HookKind.CONNECTED_IF_TRUE));
        // Socket adaptors (channel.socket().connect) and virtual threads take this path instead of connect().
        all.add(new HookTarget("sun/nio/ch/SocketChannelImpl", "blockingConnect", "(Ljava/net/SocketAddress;J)V",
                null, HookKind.CONNECTED_WITH_ARGUMENT));
        // The non-bridge setOption: the synthetic bridge returning NetworkChannel calls it.
        all.add(new HookTarget("sun/nio/ch/SocketChannelImpl", "setOption", SOCKET_OPTION_ARGS,
                "Ljava/nio/channels/SocketChannel;", HookKind.GUARD_SET_OPTION));
        // accept() and blockingAccept() (the adaptor's path) both end in finishAccept; it may return null.
        all.add(new HookTarget("sun/nio/ch/ServerSocketChannelImpl", "finishAccept", "(", null,
                HookKind.ACCEPTED_RESULT));
        all.add(new HookTarget("sun/nio/ch/ServerSocketChannelImpl", "setOption", SOCKET_OPTION_ARGS,
                "Ljava/nio/channels/ServerSocketChannel;", HookKind.GUARD_SET_OPTION));
        // Both the immediate and the deferred asynchronous connect end in setConnected().
        all.add(new HookTarget("sun/nio/ch/UnixAsynchronousSocketChannelImpl", "setConnected", "()V", null,
                HookKind.CONNECTED));
        all.add(new HookTarget("sun/nio/ch/AsynchronousSocketChannelImpl", "setOption", SOCKET_OPTION_ARGS,
                "Ljava/nio/channels/AsynchronousSocketChannel;", HookKind.GUARD_SET_OPTION));
        all.add(new HookTarget("sun/nio/ch/UnixAsynchronousServerSocketChannelImpl", "finishAccept", "(", null,
                HookKind.ACCEPTED_RESULT));
        ALL = Collections.unmodifiableList(all);
    }

    /** Hooks of three kinds on {@link TransformSample}, for {@link HookInstaller#warmUp()}. */
    static List<HookTarget> warmUpTargets() {
        String sample = "io/kaagent/instrument/TransformSample";
        List<HookTarget> targets = new ArrayList<HookTarget>();
        targets.add(new HookTarget(sample, "connect", "(Ljava/lang/Object;I)V", null,
                HookKind.CONNECTED_WITH_ARGUMENT));
        targets.add(new HookTarget(sample, "setKeepAlive", "(Z)V", null, HookKind.GUARD_SET_KEEPALIVE));
        targets.add(new HookTarget(sample, "finishConnect", "()Z", null, HookKind.CONNECTED_IF_TRUE));
        return targets;
    }

    /** The classes to load and retransform, in a stable order. */
    static List<String> classNames() {
        List<String> names = new ArrayList<String>();
        for (HookTarget target : ALL) {
            String name = target.className.replace('/', '.');
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }
}
