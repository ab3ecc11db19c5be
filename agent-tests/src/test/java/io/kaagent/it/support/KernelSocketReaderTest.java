package io.kaagent.it.support;

import static io.kaagent.it.support.KernelSocketOptions.applied;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the out-of-process reader on its own, with no agent anywhere: a child (KnownOptionsApp) sets known options
 * on its sockets itself, through the JDK and through libc; the reader must report exactly those.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelSocketReaderTest {

    @Test
    void readsTheOptionsAChildSetItself() throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer v4 = EchoServer.start(); EchoServer v6 = startOnIpv6Loopback()) {
            int v6Port = v6 == null ? 0 : v6.port();
            try (ChildJvm app = ChildJvm.builder().mainClass("KnownOptionsApp").args(v4.port(), v6Port).start()) {
                app.awaitStdout("READY", TestEnv.START_TIMEOUT);
                Map<String, String> labels = labels(app.stdoutLines());
                KernelSocketReader reader = KernelSocketReader.of(app.pid());
                InetAddress ipv4Loopback = InetAddress.getByName("127.0.0.1");

                TcpSocket on = reader.connection(Integer.parseInt(labels.get("ka-on")), v4.port());
                assertEquals(applied(123, 45, 7, 0), reader.options(on), on.toString());
                assertTrue(on.ipv6Table(), "a JDK socket is dual-stack, listed in tcp6: " + on);
                assertEquals(new InetSocketAddress(ipv4Loopback, v4.port()), on.remote(),
                        "::ffff:127.0.0.1 reads as 127.0.0.1");
                assertTrue(on.remote().getAddress() instanceof Inet4Address);

                TcpSocket off = reader.connection(Integer.parseInt(labels.get("ka-off-timers")), v4.port());
                assertEquals(new KernelSocketOptions(false, 999, 77, 11, 0), reader.options(off), off.toString());

                TcpSocket plain = reader.connection(Integer.parseInt(labels.get("plain")), v4.port());
                assertEquals(untouched(), reader.options(plain), plain.toString());

                int nativeFd = Integer.parseInt(labels.get("native4").substring("fd=".length()));
                TcpSocket native4 = reader.only(s -> s.fd() == nativeFd, "with fd " + nativeFd);
                assertEquals(TcpState.ESTABLISHED, native4.state());
                assertFalse(native4.ipv6Table(), "an AF_INET socket is listed in tcp: " + native4);
                assertEquals(new InetSocketAddress(ipv4Loopback, v4.port()), native4.remote());
                assertEquals(applied(321, 12, 3, 4321), reader.options(native4), native4.toString());

                assertEquals(4, reader.sockets().stream()
                        .filter(s -> s.state() == TcpState.ESTABLISHED && s.remotePort() == v4.port()).count(),
                        "four connections to the IPv4 peer: " + reader.sockets());

                if (v6 != null) {
                    TcpSocket six = reader.connection(Integer.parseInt(labels.get("v6")), v6.port());
                    assertTrue(six.ipv6Table());
                    assertTrue(six.remote().getAddress() instanceof Inet6Address, six.toString());
                    assertTrue(six.remote().getAddress().isLoopbackAddress(), six.toString());
                    assertEquals(applied(66, 6, 2, 0), reader.options(six), six.toString());
                }

                TcpSocket listen = reader.listeningOn(Integer.parseInt(labels.get("listen")));
                assertTrue(listen.isListening());
                assertEquals(untouched(), reader.options(listen), listen.toString());

                assertEquals(0, app.quit(TestEnv.STEP_TIMEOUT), "the child is unharmed by the reads\n"
                        + app.describe());
                assertTrue(app.stdoutLines().contains("BYE"), app.describe());
            }
        }
    }

    @Test
    void closesEveryDuplicatedDescriptor() throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = ChildJvm.builder().mainClass("KnownOptionsApp").args(peer.port()).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            KernelSocketReader reader = KernelSocketReader.of(app.pid());
            List<TcpSocket> sockets = reader.sockets();
            for (TcpSocket s : sockets) {
                reader.options(s); // warm-up: whatever the first native call opens once is not a leak
            }
            long before = openFds();
            int rounds = 20;
            for (int i = 0; i < rounds; i++) {
                for (TcpSocket s : sockets) {
                    reader.options(s);
                }
            }
            // The test JVM's other threads (echo server, child output pumps) may open a descriptor meanwhile; a
            // leaked duplicate would show as one more per read, rounds x sockets in all.
            long grown = openFds() - before;
            assertTrue(grown < sockets.size(), "descriptors of the test JVM grew by " + grown + " after "
                    + rounds * sockets.size() + " reads of " + sockets.size() + " sockets");
        }
    }

    @Test
    void aProcessThatIsGoneIsAClearError() throws Exception {
        KernelSocketReader.assumeAvailable();
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        IOException e = assertThrows(IOException.class, () -> KernelSocketReader.of(p.pid()).sockets());
        assertTrue(e.getMessage().contains("no process " + p.pid()), e.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> KernelSocketReader.of(p.pid()).options(3));
        assertTrue(e2.getMessage().startsWith("pidfd_open(" + p.pid() + ") failed: "), e2.getMessage());
    }

    /** Hex as the kernel prints /proc/net/tcp{,6}: 32-bit words in host byte order. */
    @Test
    void parsesProcNetTcpAddresses() throws Exception {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the samples below are little-endian");
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080),
                KernelSocketReader.address("0100007F:1F90"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80),
                KernelSocketReader.address("0000000000000000FFFF00000100007F:0050"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 22),
                KernelSocketReader.address("00000000000000000000000001000000:0016"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 65535),
                KernelSocketReader.address("0302010A:FFFF"));
    }

    private static EchoServer startOnIpv6Loopback() {
        try {
            return EchoServer.start(InetAddress.getByName("::1"));
        } catch (IOException noIpv6) {
            return null;
        }
    }

    /** "SOCKET label value" lines. */
    private static Map<String, String> labels(List<String> stdout) {
        Map<String, String> labels = new HashMap<>();
        for (String line : stdout) {
            String[] f = line.split(" ");
            if (f.length == 3 && f[0].equals("SOCKET")) {
                labels.put(f[1], f[2]);
            }
        }
        return labels;
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
