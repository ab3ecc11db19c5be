package io.kaagent.nativeio;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.nio.channels.ServerSocketChannel;

/**
 * The raw file descriptor behind a JDK socket or channel. Needs java.net, java.io and sun.nio.ch opened to the agent
 * (ModuleOpener). Handles are looked up once; {@link #load()} fails with the reason where this JDK hides them.
 */
public final class SocketFds {
    private static final SocketFds INSTANCE = new SocketFds();

    private SocketFds() {
    }

    /**
     * The handles, in static final fields: the JIT then treats them as constants and inlines the three calls behind
     * a Socket's fd like field reads (held in instance fields they cost ~0.2 µs per socket in the connect loop).
     * Initialised at {@link #load()}; a JDK that hides one fails that initialisation.
     */
    private static final class Handles {
        static final MethodHandle SOCKET_IMPL;      // Socket.getImpl()
        static final MethodHandle SERVER_IMPL;      // ServerSocket.getImpl()
        static final MethodHandle IMPL_DESCRIPTOR;  // SocketImpl.getFileDescriptor()
        static final MethodHandle DESCRIPTOR_VALUE; // FileDescriptor.fd
        static final Class<?> SELECTABLE_CHANNEL;   // sun.nio.ch.SelChImpl
        static final MethodHandle CHANNEL_FD;       // SelChImpl.getFDVal()
        static final Class<?> ASYNC_CHANNEL;        // sun.nio.ch.AsynchronousSocketChannelImpl, or null
        static final MethodHandle ASYNC_DESCRIPTOR; // AsynchronousSocketChannelImpl.fd, or null

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Method getImpl = Socket.class.getDeclaredMethod("getImpl");
                getImpl.setAccessible(true);
                SOCKET_IMPL = lookup.unreflect(getImpl);
                Method getServerImpl = ServerSocket.class.getDeclaredMethod("getImpl");
                getServerImpl.setAccessible(true);
                SERVER_IMPL = lookup.unreflect(getServerImpl);
                Method getFileDescriptor = SocketImpl.class.getDeclaredMethod("getFileDescriptor");
                getFileDescriptor.setAccessible(true);
                IMPL_DESCRIPTOR = lookup.unreflect(getFileDescriptor);
                Field fd = FileDescriptor.class.getDeclaredField("fd");
                fd.setAccessible(true);
                DESCRIPTOR_VALUE = lookup.unreflectGetter(fd);
                SELECTABLE_CHANNEL = Class.forName("sun.nio.ch.SelChImpl");
                Method getFdVal = SELECTABLE_CHANNEL.getDeclaredMethod("getFDVal");
                getFdVal.setAccessible(true);
                CHANNEL_FD = lookup.unreflect(getFdVal).asType(MethodType.methodType(int.class, Object.class));
                Object[] async = asyncChannel(lookup);
                ASYNC_CHANNEL = (Class<?>) async[0];
                ASYNC_DESCRIPTOR = (MethodHandle) async[1];
            } catch (Exception e) {
                throw new IllegalStateException(e.toString(), e);
            }
        }

        private static Object[] asyncChannel(MethodHandles.Lookup lookup) throws Exception {
            try {
                Class<?> async = Class.forName("sun.nio.ch.AsynchronousSocketChannelImpl");
                Field field = async.getDeclaredField("fd");
                field.setAccessible(true);
                return new Object[] {async, lookup.unreflectGetter(field).asType(
                        MethodType.methodType(FileDescriptor.class, Object.class))};
            } catch (ClassNotFoundException absent) {
                return new Object[] {null, null};
            }
        }

        private Handles() {
        }
    }

    public static SocketFds load() {
        try {
            if (Handles.SOCKET_IMPL == null) {
                throw new IllegalStateException("no handle");
            }
            return INSTANCE;
        } catch (Throwable t) {
            Throwable cause = t instanceof ExceptionInInitializerError && t.getCause() != null ? t.getCause() : t;
            throw new UnsupportedOperationException("socket file descriptors are not reachable on this JDK: " + cause,
                    cause);
        }
    }

    /** The fd, or -1 when the socket has none (closed, or not yet created). */
    public int fdOf(Object socketOrChannel) throws Throwable {
        // invokeExact on handles typed at load time: a plain invoke adapts the type on every call (asType).
        if (socketOrChannel instanceof Socket) {
            return fdOfImpl((SocketImpl) Handles.SOCKET_IMPL.invokeExact((Socket) socketOrChannel));
        }
        if (Handles.SELECTABLE_CHANNEL.isInstance(socketOrChannel)) {
            return (int) Handles.CHANNEL_FD.invokeExact(socketOrChannel);
        }
        if (Handles.ASYNC_CHANNEL != null && Handles.ASYNC_CHANNEL.isInstance(socketOrChannel)) {
            return numberOf((FileDescriptor) Handles.ASYNC_DESCRIPTOR.invokeExact(socketOrChannel));
        }
        throw new IllegalArgumentException("not a socket: " + socketOrChannel.getClass().getName());
    }

    /**
     * A listening socket's fd: a ServerSocket's (SSL and channel adaptors included) or a ServerSocketChannel's;
     * -1 for any other listener (the asynchronous one) and when it has none.
     */
    public int listenerFdOf(Object listener) throws Throwable {
        if (listener instanceof ServerSocket) {
            return fdOfImpl((SocketImpl) Handles.SERVER_IMPL.invokeExact((ServerSocket) listener));
        }
        if (listener instanceof ServerSocketChannel && Handles.SELECTABLE_CHANNEL.isInstance(listener)) {
            return (int) Handles.CHANNEL_FD.invokeExact(listener);
        }
        return -1;
    }

    /** A Socket's or ServerSocket's impl: its descriptor's number, -1 when it has none. */
    private static int fdOfImpl(SocketImpl impl) throws Throwable {
        return impl == null ? -1 : numberOf((FileDescriptor) Handles.IMPL_DESCRIPTOR.invokeExact(impl));
    }

    private static int numberOf(FileDescriptor descriptor) throws Throwable {
        return descriptor == null ? -1 : (int) Handles.DESCRIPTOR_VALUE.invokeExact(descriptor);
    }
}
