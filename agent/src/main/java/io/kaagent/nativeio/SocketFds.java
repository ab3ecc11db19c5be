package io.kaagent.nativeio;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.net.SocketImpl;

/**
 * The raw file descriptor behind a JDK socket or channel. Needs java.net, java.io and sun.nio.ch opened to the agent
 * (ModuleOpener). Handles are looked up once; {@link #load()} fails with the reason where this JDK hides them.
 */
public final class SocketFds {
    private final MethodHandle socketImpl;      // Socket.getImpl()
    private final MethodHandle implDescriptor;  // SocketImpl.getFileDescriptor()
    private final MethodHandle descriptorValue; // FileDescriptor.fd
    private final Class<?> selectableChannel;   // sun.nio.ch.SelChImpl
    private final MethodHandle channelFd;       // SelChImpl.getFDVal()
    private final Class<?> asyncChannel;        // sun.nio.ch.AsynchronousSocketChannelImpl, or null
    private final MethodHandle asyncDescriptor; // AsynchronousSocketChannelImpl.fd

    private SocketFds() throws Exception {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Method getImpl = Socket.class.getDeclaredMethod("getImpl");
        getImpl.setAccessible(true);
        socketImpl = lookup.unreflect(getImpl);
        Method getFileDescriptor = SocketImpl.class.getDeclaredMethod("getFileDescriptor");
        getFileDescriptor.setAccessible(true);
        implDescriptor = lookup.unreflect(getFileDescriptor);
        Field fd = FileDescriptor.class.getDeclaredField("fd");
        fd.setAccessible(true);
        descriptorValue = lookup.unreflectGetter(fd);
        selectableChannel = Class.forName("sun.nio.ch.SelChImpl");
        Method getFdVal = selectableChannel.getDeclaredMethod("getFDVal");
        getFdVal.setAccessible(true);
        channelFd = lookup.unreflect(getFdVal).asType(MethodType.methodType(int.class, Object.class));
        Class<?> async;
        MethodHandle asyncFd;
        try {
            async = Class.forName("sun.nio.ch.AsynchronousSocketChannelImpl");
            Field field = async.getDeclaredField("fd");
            field.setAccessible(true);
            asyncFd = lookup.unreflectGetter(field).asType(MethodType.methodType(FileDescriptor.class, Object.class));
        } catch (ClassNotFoundException absent) {
            async = null;
            asyncFd = null;
        }
        asyncChannel = async;
        asyncDescriptor = asyncFd;
    }

    public static SocketFds load() {
        try {
            return new SocketFds();
        } catch (Throwable t) {
            throw new UnsupportedOperationException("socket file descriptors are not reachable on this JDK: " + t, t);
        }
    }

    /** The fd, or -1 when the socket has none (closed, or not yet created). */
    public int fdOf(Object socketOrChannel) throws Throwable {
        // invokeExact on handles typed at load time: a plain invoke adapts the type on every call (asType).
        if (socketOrChannel instanceof Socket) {
            SocketImpl impl = (SocketImpl) socketImpl.invokeExact((Socket) socketOrChannel);
            FileDescriptor descriptor = impl == null ? null : (FileDescriptor) implDescriptor.invokeExact(impl);
            return descriptor == null ? -1 : (int) descriptorValue.invokeExact(descriptor);
        }
        if (selectableChannel.isInstance(socketOrChannel)) {
            return (int) channelFd.invokeExact(socketOrChannel);
        }
        if (asyncChannel != null && asyncChannel.isInstance(socketOrChannel)) {
            FileDescriptor descriptor = (FileDescriptor) asyncDescriptor.invokeExact(socketOrChannel);
            return descriptor == null ? -1 : (int) descriptorValue.invokeExact(descriptor);
        }
        throw new IllegalArgumentException("not a socket: " + socketOrChannel.getClass().getName());
    }
}
