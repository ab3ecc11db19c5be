package io.kaagent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import org.junit.jupiter.api.Test;

import io.kaagent.nativeio.KernelKeepAliveDefaults;
import io.kaagent.nativeio.NativeSocketOptions;
import io.kaagent.nativeio.OwnDescriptors;

/** What {@link NativeApplier} leaves on a socket, read back with getsockopt on its own descriptor. */
class NativeApplierTest {
    /**
     * An administrator who flips the sysctls back and forth while a guessing listener puts sockets back: each reset
     * sets the sysctls of the moment, and the flipping takes one native slot per distinct value set, not per change.
     */
    @Test
    void resetsAcrossSysctlChangesShareTheirNativeSlots() throws Throwable {
        NativeSocketOptions options = NativeSocketOptions.load();
        for (int i = 0; i < NativeSocketOptions.VALUE_SLOTS - 3; i++) {
            assertNotNull(options.prepare(1000 + i, 1, 1, 0), "slot " + i);
        }
        NativeApplier applier = new NativeApplier(options, null); // by descriptor: no socket objects to look into
        KernelKeepAliveDefaults stock = KernelKeepAliveDefaults.of(7200, 75, 9);
        KernelKeepAliveDefaults changed = KernelKeepAliveDefaults.of(600, 30, 4);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            int fd = OwnDescriptors.fdOf(socket);
            for (int change = 0; change < 100; change++) {
                KernelKeepAliveDefaults now = change % 2 == 0 ? changed : stock;
                options.applyOnce(fd, 31, 7, 4, 12000, true);
                applier.reset(fd, now);
                assertFalse(options.getKeepAlive(fd), "SO_KEEPALIVE after change " + change);
                assertEquals(now.idleSeconds(), options.getTcpKeepIdle(fd), "TCP_KEEPIDLE after change " + change);
                assertEquals(now.intervalSeconds(), options.getTcpKeepInterval(fd), "TCP_KEEPINTVL");
                assertEquals(now.count(), options.getTcpKeepCount(fd), "TCP_KEEPCNT");
                assertEquals(0, options.getTcpUserTimeout(fd), "TCP_USER_TIMEOUT");
            }
        }
        assertNotNull(options.prepare(1, 1, 1, 0), "100 changes between two value sets took two slots, not 100");
    }
}
