package io.kaagent.samples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import jdk.net.ExtendedSocketOptions;

/**
 * Does what real database and messaging drivers do right after connecting: switch keepalive off and set their own
 * timers. The one sample that mentions keepalive; the agent's {@code enforce} has to win against it (PRODUCT.md §5).
 *
 * <pre>DriverLikeClient &lt;host&gt; &lt;port&gt; [delayMillis]</pre>
 * Opens three connections: a {@link Socket}, a {@link SocketChannel} (options through the channel's setOption) and a
 * SocketChannel whose options are set through its socket adaptor. On each: SO_KEEPALIVE false, TCP_KEEPIDLE 999,
 * TCP_KEEPINTERVAL 77, TCP_KEEPCOUNT 11. Prints what the JDK reports back ({@code APPVIEW ...}), then
 * {@code READY <socketLocalPort> <channelLocalPort> <adaptorLocalPort>}, and holds until stdin EOF or "quit".
 * {@code delayMillis}: waits that long before connecting (a driver that connects late, after a JVM warmed up).
 * A line {@code again} on stdin sets the same four options again on each connection (a pool that re-configures its
 * connections later), then prints {@code AGAIN}.
 */
public final class DriverLikeClient {
    static final int IDLE = 999;
    static final int INTERVAL = 77;
    static final int COUNT = 11;

    private DriverLikeClient() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DriverLikeClient <host> <port>");
            System.exit(Samples.EXIT_USAGE);
        }
        InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        List<AutoCloseable> open = new ArrayList<>();
        try {
            if (args.length > 2) {
                Thread.sleep(Long.parseLong(args[2]));
            }
            Socket socket = new Socket();
            open.add(socket);
            socket.connect(address, 10_000);
            setOwnOptions(socket);
            Samples.println("APPVIEW socket keepalive=" + socket.getKeepAlive()
                    + " idle=" + socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));

            SocketChannel channel = SocketChannel.open(address);
            open.add(channel);
            setOwnOptions(channel);
            Samples.println("APPVIEW channel keepalive=" + get(channel, StandardSocketOptions.SO_KEEPALIVE)
                    + " idle=" + get(channel, ExtendedSocketOptions.TCP_KEEPIDLE));

            SocketChannel adapted = SocketChannel.open(address);
            open.add(adapted);
            Socket adaptor = adapted.socket();
            setOwnOptions(adaptor);
            Samples.println("APPVIEW adaptor keepalive=" + adaptor.getKeepAlive()
                    + " idle=" + adaptor.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));

            Samples.println("READY " + socket.getLocalPort() + " " + localPort(channel) + " " + localPort(adapted));
            Samples.holdUntilQuit(line -> {
                if (line.equals("again")) {
                    setOwnOptions(socket);
                    setOwnOptions(channel);
                    setOwnOptions(adaptor);
                    Samples.println("AGAIN");
                }
            });
        } catch (Throwable t) {
            Samples.fail(t);
        } finally {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // exiting
                }
            }
        }
        Samples.println("BYE");
        System.exit(0);
    }

    private static void setOwnOptions(Socket socket) throws IOException {
        socket.setKeepAlive(false);
        socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, IDLE);
        socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, INTERVAL);
        socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, COUNT);
    }

    private static void setOwnOptions(NetworkChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, IDLE);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, INTERVAL);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, COUNT);
    }

    private static <T> T get(NetworkChannel channel, SocketOption<T> option) throws IOException {
        return channel.getOption(option);
    }

    private static int localPort(SocketChannel channel) throws IOException {
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }
}
