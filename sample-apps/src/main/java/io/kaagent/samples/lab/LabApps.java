package io.kaagent.samples.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What the lab's clients and servers share: a line-oriented link, the client's command loop on standard input, and
 * one-line reports with the milliseconds that the lab's tests compare against the kernel's timers.
 */
final class LabApps {
    /** How long {@code exchange} waits for the echo: what an application's request timeout would be. */
    static final int DEFAULT_READ_TIMEOUT_MS = 4_000;
    static final int CONNECT_TIMEOUT_MS = 5_000;

    private LabApps() {
    }

    /** One connection of a client, read and written in lines. */
    interface Link extends AutoCloseable {
        void writeLine(String line) throws IOException;

        /** The next line; {@code timeoutMs} 0 waits for ever, like a client waiting for the server to push. */
        String readLine(int timeoutMs) throws IOException;

        int localPort() throws IOException;

        @Override
        void close() throws IOException;
    }

    /** Opens the client's one connection. */
    interface Opener {
        Link open() throws IOException;
    }

    /**
     * The client's life: prints {@code STARTED} and waits for the command {@code connect} (so that a test can start
     * the clock of several clients at the same moment, whatever their JVMs' start-up took); connects, exchanges one
     * line, prints {@code READY local=<port>}, then follows commands on standard input until EOF or "quit":
     * <ul>
     * <li>{@code exchange}: sends a line, waits up to the read timeout for its echo:
     *     {@code EXCHANGE ok <ms> ms} or {@code EXCHANGE failed <ms> ms <exception>};</li>
     * <li>{@code await}: waits with no timeout for the server to send something (it never does), as a client waiting
     *     for a notification: {@code AWAIT failed <ms> ms <exception>}, the milliseconds counted from the last data
     *     received, which is when the kernel's keepalive idle time starts;</li>
     * <li>{@code send-await}: sends a line and waits for its echo with no timeout: {@code SENDAWAIT ...}, counted
     *     from the write.</li>
     * </ul>
     */
    static void runClient(Opener opener, int readTimeoutMs) throws IOException {
        println("STARTED");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String first = in.readLine();
        while (first != null && !first.trim().equals("connect")) {
            if (first.trim().equals("quit")) {
                return;
            }
            println("UNKNOWN " + first.trim() + " (not connected yet: connect first)");
            first = in.readLine();
        }
        if (first == null) {
            return;
        }
        try (Link link = opener.open()) {
            serve(link, in, readTimeoutMs);
        }
    }

    private static void serve(Link link, BufferedReader in, int readTimeoutMs) throws IOException {
        int sequence = 0;
        String hello = "hello-" + sequence;
        link.writeLine(hello);
        expectEcho(hello, link.readLine(readTimeoutMs));
        long lastReceived = System.nanoTime();
        println("READY local=" + link.localPort());
        for (String command = in.readLine(); command != null; command = in.readLine()) {
            command = command.trim();
            String line = "line-" + (++sequence);
            long start = System.nanoTime();
            switch (command) {
                case "quit":
                    return;
                case "exchange":
                    try {
                        link.writeLine(line);
                        expectEcho(line, link.readLine(readTimeoutMs));
                        lastReceived = System.nanoTime();
                        println("EXCHANGE ok " + millisSince(start) + " ms");
                    } catch (IOException e) {
                        println("EXCHANGE failed " + millisSince(start) + " ms " + describe(e));
                    }
                    break;
                case "await":
                    try {
                        String got = link.readLine(0);
                        println("AWAIT " + (got == null ? "eof " : "line ") + millisSince(lastReceived) + " ms");
                    } catch (IOException e) {
                        println("AWAIT failed " + millisSince(lastReceived) + " ms " + describe(e));
                    }
                    break;
                case "send-await":
                    try {
                        link.writeLine(line);
                        expectEcho(line, link.readLine(0));
                        lastReceived = System.nanoTime();
                        println("SENDAWAIT ok " + millisSince(start) + " ms");
                    } catch (IOException e) {
                        println("SENDAWAIT failed " + millisSince(start) + " ms " + describe(e));
                    }
                    break;
                case "":
                    break;
                default:
                    println("UNKNOWN " + command + " (commands: exchange, await, send-await, quit)");
            }
        }
    }

    private static void expectEcho(String sent, String got) throws IOException {
        if (got == null) {
            throw new IOException("the server closed the connection");
        }
        if (!sent.equals(got)) {
            throw new IOException("expected echo '" + sent + "', got '" + got + "'");
        }
    }

    /** Blocks until standard input reaches EOF or a line "quit". */
    static void holdUntilQuit() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.trim().equals("quit")) {
                return;
            }
        }
    }

    static int readTimeout(String[] args, int index) {
        return args.length > index ? Integer.parseInt(args[index]) : DEFAULT_READ_TIMEOUT_MS;
    }

    static String text(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            return (a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress()) + ":" + a.getPort();
        }
        return String.valueOf(address);
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("; caused by ").append(c);
        }
        return sb.toString().replace('\n', ' ');
    }

    static void println(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static void fail(Throwable t) {
        t.printStackTrace();
        println("FAILED " + describe(t));
        System.exit(1);
    }
}
