package io.kaagent.nativeio;

import static io.kaagent.nativeio.ReadBack.assertOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/**
 * The options set through io_uring (ka.agent.io_uring) reach the kernel as setsockopt's do, read back by getsockopt
 * on the socket's own descriptor; a refused option is reported as setsockopt reports it and leaves the ring usable.
 * Skipped where this kernel or a seccomp filter refuses io_uring, with the reason.
 */
class SetsockoptRingsTest {
    @Test
    void optionsSetThroughARingReachTheKernel() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        SetsockoptRings rings = ringsOrSkip(options);
        NativeSocketOptions.KeepAliveValues values = options.prepare(31, 7, 4, 12000);
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
             Socket withTimeout = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket withoutTimeout = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int fd = OwnDescriptors.fdOf(withTimeout);
            assertTrue(rings.set(fd, values, true), "a ring took the submission");
            assertOptions(options, fd, 31, 7, 4, 12000);

            int other = OwnDescriptors.fdOf(withoutTimeout);
            assertTrue(rings.set(other, values, false), "a ring took the submission");
            assertOptions(options, other, 31, 7, 4, 0);
        }
    }

    @Test
    void applyGoesThroughTheRingsOnceAskedFor() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        int before = ringDescriptors();
        int rings = batchOrSkip(options);
        assertTrue(rings >= 1 && rings <= SetsockoptRings.MAX_RINGS, rings + " rings");
        assertEquals(before + rings, ringDescriptors(), "this process's [io_uring] descriptors");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int fd = OwnDescriptors.fdOf(socket);
            options.apply(fd, options.prepare(45, 6, 5, 0), false);
            assertOptions(options, fd, 45, 6, 5, 0);
        }
    }

    /** A socket set in full, then reset through a ring: it reports what a socket nobody set reports. */
    @Test
    void aSocketResetThroughARingReportsWhatNobodySet() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        SetsockoptRings rings = ringsOrSkip(options);
        try (ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress());
             Socket untouched = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket reset = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int fd = OwnDescriptors.fdOf(reset);
            assertTrue(rings.set(fd, options.prepare(31, 7, 4, 12000), true), "a ring took the submission");
            KernelKeepAliveDefaults defaults = KernelKeepAliveDefaults.read();
            assertTrue(rings.reset(fd, options.prepare(defaults.idleSeconds(), defaults.intervalSeconds(),
                    defaults.count(), 0)), "a ring took the submission");
            int nobodys = OwnDescriptors.fdOf(untouched);
            ReadBack.assertAsNobodySet(options, fd, nobodys);
        }
    }

    /** EBADF as setsockopt reports it, named after the first option; the next socket goes through the same ring. */
    @Test
    void aRefusedOptionIsReportedAndTheRingStaysUsable() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        SetsockoptRings rings = ringsOrSkip(options);
        NativeSocketOptions.KeepAliveValues values = options.prepare(32, 8, 5, 0);
        NativeSocketException refused = assertThrows(NativeSocketException.class,
                () -> rings.set(1_000_000, values, false));
        assertEquals(9, refused.errno());
        assertTrue(refused.getMessage().startsWith("setsockopt(TCP_KEEPIDLE) through io_uring failed"),
                refused.getMessage());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int fd = OwnDescriptors.fdOf(socket);
            for (int i = 0; i < SetsockoptRings.MAX_RINGS * 2; i++) { // whichever ring this thread lands on
                assertTrue(rings.set(fd, values, false), "submission " + i);
            }
            assertOptions(options, fd, 32, 8, 5, 0);
        }
    }

    /** Threads sharing the rings: every socket ends with its own thread's values. */
    @Test
    void threadsShareTheRings() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        SetsockoptRings rings = ringsOrSkip(options);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int idle = 100 + t;
                NativeSocketOptions.KeepAliveValues values = options.prepare(idle, 3, 2, 0);
                results.add(pool.submit(() -> {
                    int viaRing = 0;
                    for (int i = 0; i < 300; i++) {
                        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                            int fd = OwnDescriptors.fdOf(socket);
                            if (rings.set(fd, values, false)) {
                                viaRing++;
                            } else {
                                options.apply(fd, values, false); // every ring lent: setsockopt, as the agent does
                            }
                            assertOptions(options, fd, idle, 3, 2, 0);
                        }
                        server.accept().close();
                    }
                    return viaRing;
                }));
            }
            int viaRing = 0;
            for (Future<Integer> result : results) {
                viaRing += result.get();
            }
            assertTrue(viaRing > 0, "no submission went through a ring");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Another OS's constants: refused before any ring is opened, with the reason the agent's WARN line shows. */
    @Test
    void onlyLinuxConstantsOpenRings() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        int before = ringDescriptors();
        UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                () -> SetsockoptRings.open(options.libc(), SocketConstants.MACOS, 2));
        assertTrue(refused.getMessage().startsWith("io_uring is for Linux on x86_64 and aarch64, not macOS"),
                refused.getMessage());
        assertEquals(before, ringDescriptors(), "[io_uring] descriptors");
    }

    private static SetsockoptRings ringsOrSkip(NativeSocketOptions options) {
        try {
            return SetsockoptRings.open(options.libc(), options.constants(), 2);
        } catch (UnsupportedOperationException refused) {
            assumeTrue(false, "io_uring cannot set socket options here: " + refused.getMessage());
            throw refused;
        }
    }

    private static int batchOrSkip(NativeSocketOptions options) {
        try {
            return options.batchThroughIoUring();
        } catch (UnsupportedOperationException refused) {
            assumeTrue(false, "io_uring cannot set socket options here: " + refused.getMessage());
            throw refused;
        }
    }

    private static int ringDescriptors() throws Exception {
        int count = 0;
        for (java.nio.file.Path fd : Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            try {
                if (Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]")) {
                    count++;
                }
            } catch (java.io.IOException gone) {
                // the directory stream's own descriptor, closed by now
            }
        }
        return count;
    }

}
