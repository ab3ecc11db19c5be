package io.kaagent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;

/**
 * A hooked call made before the agent's handlers are in (the bridge defined by the first socket class, BridgeDefiner)
 * waits for {@code agentReady} and then runs the handler; once ready, nothing waits. Each test has a fresh copy of
 * the bridge in a loader of its own: its readiness is per JVM, once.
 */
class KaBridgeAwaitTest {

    @Test
    void aConnectBeforeTheAgentIsReadyWaitsForItsHandler() throws Exception {
        Class<?> bridge = freshBridge();
        List<Object> seen = new CopyOnWriteArrayList<>();
        BiConsumer<Object, Object> handler = (socket, remote) -> seen.add(socket);
        bridge.getField("connectHandler").set(null, handler);
        Method connected = bridge.getMethod("connected", Object.class, Object.class);

        CompletableFuture<Void> connect = CompletableFuture.runAsync(() -> invoke(connected, "socket-1"));
        Thread.sleep(300);
        assertFalse(connect.isDone(), "the hooked call waits: the agent is not ready");
        assertEquals(List.of(), seen);

        bridge.getMethod("agentReady").invoke(null);
        connect.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("socket-1"), seen, "then runs with the handler in");

        long start = System.nanoTime();
        invoke(connected, "socket-2");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "ready: no waiting any more");
        assertEquals(List.of("socket-1", "socket-2"), seen);
    }

    @Test
    void anInterruptedWaiterKeepsWaitingAndKeepsItsInterrupt() throws Exception {
        Class<?> bridge = freshBridge();
        Method neutralise = bridge.getMethod("neutralise", Object.class, Object.class);
        boolean[] interruptedAfter = new boolean[1];
        Thread caller = new Thread(() -> {
            invoke(neutralise, "socket");
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
        });
        caller.start();
        Thread.sleep(200);
        caller.interrupt();
        Thread.sleep(200);
        assertTrue(caller.isAlive(), "an interrupt does not end the wait: the socket would go without its handler");
        bridge.getMethod("agentReady").invoke(null);
        caller.join(5000);
        assertFalse(caller.isAlive());
        assertTrue(interruptedAfter[0], "the interrupt is the application's, and stays set");
    }

    private static void invoke(Method method, Object socket) {
        try {
            method.invoke(null, socket, null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** KaBridge defined anew from its class file, by a loader of its own. */
    private static Class<?> freshBridge() throws Exception {
        byte[] bytes;
        try (InputStream in = KaBridge.class.getResourceAsStream("KaBridge.class")) {
            assertNotNull(in);
            bytes = in.readAllBytes();
        }
        ClassLoader loader = new ClassLoader(null) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (!name.equals(KaBridge.class.getName())) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, bytes, 0, bytes.length);
            }
        };
        return Class.forName(KaBridge.class.getName(), true, loader);
    }
}
