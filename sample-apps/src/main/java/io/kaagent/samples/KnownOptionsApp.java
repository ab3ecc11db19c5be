package io.kaagent.samples;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import jdk.net.ExtendedSocketOptions;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * A test fixture, not an "unmodified" app: sets known keepalive options on its own sockets, without any agent, so
 * the tests' out-of-process socket reader can be checked against values that do not come from the agent.
 *
 * <pre>KnownOptionsApp &lt;ipv4Port&gt; [&lt;ipv6Port&gt;]</pre>
 * Connects to 127.0.0.1:ipv4Port (and to [::1]:ipv6Port when given and not 0) and prints one line
 * {@code SOCKET <label> <localPort>} per socket, then {@code READY}, and holds until stdin EOF or "quit":
 * <ul>
 * <li>{@code ka-on}: a Socket (dual-stack, ::ffff:127.0.0.1), SO_KEEPALIVE on, idle 123, interval 45, count 7;
 * <li>{@code ka-off-timers}: a SocketChannel, SO_KEEPALIVE off, idle 999, interval 77, count 11;
 * <li>{@code plain}: a Socket with nothing set;
 * <li>{@code native4}: an AF_INET socket made with libc through the app's own jnr-ffi: SO_KEEPALIVE on, idle 321,
 * interval 12, count 3, TCP_USER_TIMEOUT 4321 ms;
 * <li>{@code v6}: a Socket to [::1], SO_KEEPALIVE on, idle 66, interval 6, count 2;
 * <li>{@code listen}: a listening ServerSocket on loopback, nothing set (its local port is printed).
 * </ul>
 */
public final class KnownOptionsApp {
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int TCP_USER_TIMEOUT = 18;

    private KnownOptionsApp() {
    }

    /** libc, through the application's own jnr-ffi. */
    public interface LibC {
        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int connect(int fd, @In byte[] address, int addressLength);

        @SaveError
        int setsockopt(int fd, int level, int name, @In int[] value, int valueLength);

        @SaveError
        int close(int fd);

        String strerror(int errno);
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: KnownOptionsApp <ipv4Port> [<ipv6Port>]");
            System.exit(Samples.EXIT_USAGE);
        }
        int port4 = Integer.parseInt(args[0]);
        int port6 = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        List<Closeable> open = new ArrayList<>();
        LibC libc = LibraryLoader.create(LibC.class).load("c");
        int nativeFd = -1;
        try {
            InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port4);

            Socket on = new Socket();
            open.add(on);
            on.connect(v4, 10_000);
            on.setKeepAlive(true);
            on.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 123);
            on.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 45);
            on.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 7);
            Samples.println("SOCKET ka-on " + on.getLocalPort());

            SocketChannel off = SocketChannel.open(v4);
            open.add(off);
            off.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
            off.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 999);
            off.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 77);
            off.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 11);
            Samples.println("SOCKET ka-off-timers " + ((InetSocketAddress) off.getLocalAddress()).getPort());

            Socket plain = new Socket();
            open.add(plain);
            plain.connect(v4, 10_000);
            Samples.println("SOCKET plain " + plain.getLocalPort());

            nativeFd = check(libc, "socket", libc.socket(AF_INET, SOCK_STREAM, 0));
            setInt(libc, nativeFd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
            setInt(libc, nativeFd, IPPROTO_TCP, TCP_KEEPIDLE, 321, "TCP_KEEPIDLE");
            setInt(libc, nativeFd, IPPROTO_TCP, TCP_KEEPINTVL, 12, "TCP_KEEPINTVL");
            setInt(libc, nativeFd, IPPROTO_TCP, TCP_KEEPCNT, 3, "TCP_KEEPCNT");
            setInt(libc, nativeFd, IPPROTO_TCP, TCP_USER_TIMEOUT, 4321, "TCP_USER_TIMEOUT");
            byte[] sockaddr = sockaddrIn(new byte[] {127, 0, 0, 1}, port4);
            check(libc, "connect", libc.connect(nativeFd, sockaddr, sockaddr.length));
            Samples.println("SOCKET native4 fd=" + nativeFd);

            if (port6 > 0) {
                Socket v6 = new Socket();
                open.add(v6);
                v6.connect(new InetSocketAddress(InetAddress.getByName("::1"), port6), 10_000);
                v6.setKeepAlive(true);
                v6.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 66);
                v6.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 6);
                v6.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 2);
                Samples.println("SOCKET v6 " + v6.getLocalPort());
            }

            ServerSocket listen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            open.add(listen);
            Samples.println("SOCKET listen " + listen.getLocalPort());

            Samples.println("READY");
            Samples.holdUntilQuit();
        } catch (Throwable t) {
            Samples.fail(t);
        } finally {
            if (nativeFd >= 0) {
                libc.close(nativeFd);
            }
            Samples.closeAll(open);
        }
        Samples.println("BYE");
        System.exit(0);
    }

    private static void setInt(LibC libc, int fd, int level, int name, int value, String what) throws IOException {
        check(libc, "setsockopt(" + what + ")", libc.setsockopt(fd, level, name, new int[] {value}, 4));
    }

    private static int check(LibC libc, String call, int result) throws IOException {
        if (result < 0) {
            int errno = jnr.ffi.Runtime.getRuntime(libc).getLastError();
            throw new IOException(call + " failed: " + libc.strerror(errno) + " (errno " + errno + ")");
        }
        return result;
    }

    /** struct sockaddr_in: family in host order, port and address in network order, 8 bytes of zero. */
    private static byte[] sockaddrIn(byte[] ipv4, int port) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.order(ByteOrder.nativeOrder()).putShort((short) AF_INET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(ipv4);
        return b.array();
    }
}
