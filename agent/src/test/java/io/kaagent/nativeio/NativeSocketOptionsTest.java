package io.kaagent.nativeio;

import static io.kaagent.nativeio.ReadBack.assertOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Both kinds of values reach the kernel: those prepared in native memory, and the per-call ones used once the
 * prepared slots are used up. Read back with getsockopt on the socket's own descriptor (found in /proc).
 */
class NativeSocketOptionsTest {
    @Test
    void preparedAndTransientValuesReachTheKernel() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket first = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket second = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int firstFd = OwnDescriptors.fdOf(first);
            options.apply(firstFd, options.prepare(31, 7, 4, 12000), true);
            assertOptions(options, firstFd, 31, 7, 4, 12000);

            int secondFd = OwnDescriptors.fdOf(second);
            options.applyOnce(secondFd, 41, 9, 5, 0, false);
            assertOptions(options, secondFd, 41, 9, 5, 0);
        }
    }

    /** A socket set in full, then reset with prepared values: it reports what a socket nobody set reports. */
    @Test
    void aResetSocketReportsWhatNobodySet() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket untouched = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket reset = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int fd = OwnDescriptors.fdOf(reset);
            options.apply(fd, options.prepare(31, 7, 4, 12000), true);
            KernelKeepAliveDefaults defaults = KernelKeepAliveDefaults.recent();
            assertSame(defaults, KernelKeepAliveDefaults.recent(), "read at most once a second");
            assertTrue(defaults.sameTimers(KernelKeepAliveDefaults.read()));
            options.reset(fd, options.prepare(defaults.idleSeconds(), defaults.intervalSeconds(), defaults.count(), 0));

            int nobodys = OwnDescriptors.fdOf(untouched);
            ReadBack.assertAsNobodySet(options, fd, nobodys);
        }
    }

    @Test
    void slotsRunOutInsteadOfBeingReused() {
        NativeSocketOptions options = NativeSocketOptions.load();
        for (int i = 0; i < NativeSocketOptions.VALUE_SLOTS; i++) {
            assertNotNull(options.prepare(1 + i, 1, 1, 0), "slot " + i);
        }
        assertNull(options.prepare(1, 1, 1, 0));
        assertNull(options.prepare(2, 1, 1, 0));
    }

    @Test
    void aSocketWithoutDescriptorIsRefused() {
        NativeSocketOptions options = NativeSocketOptions.load();
        NativeSocketException e = assertThrows(NativeSocketException.class,
                () -> options.applyOnce(-1, 30, 5, 3, 0, false));
        assertEquals(9, e.errno());
    }

    /** More threads than scratch slots, each reading its own socket's values over and over: none sees another's. */
    @Test
    void concurrentReadsNeverShareScratchSpace() throws Exception {
        NativeSocketOptions options = NativeSocketOptions.load();
        int threads = 100;
        try (ServerSocket server = new ServerSocket(0, threads, InetAddress.getLoopbackAddress())) {
            Socket[] sockets = new Socket[threads];
            int[] fds = new int[threads];
            try {
                for (int i = 0; i < threads; i++) {
                    sockets[i] = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                    fds[i] = OwnDescriptors.fdOf(sockets[i]);
                    options.applyOnce(fds[i], 100 + i, 1, 1, 0, false);
                }
                AtomicReference<String> wrong = new AtomicReference<>();
                CountDownLatch start = new CountDownLatch(1);
                Thread[] readers = new Thread[threads];
                for (int i = 0; i < threads; i++) {
                    int n = i;
                    readers[i] = new Thread(() -> {
                        try {
                            start.await();
                            for (int k = 0; k < 2000; k++) {
                                int idle = options.getTcpKeepIdle(fds[n]);
                                if (idle != 100 + n) {
                                    wrong.compareAndSet(null, "socket " + n + " read " + idle);
                                }
                            }
                        } catch (Exception e) {
                            wrong.compareAndSet(null, e.toString());
                        }
                    });
                    readers[i].start();
                }
                start.countDown();
                for (Thread reader : readers) {
                    reader.join();
                }
                assertNull(wrong.get());
            } finally {
                for (Socket socket : sockets) {
                    if (socket != null) {
                        socket.close();
                    }
                }
            }
        }
    }

}
