package io.kaagent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What recording a socket costs the hook ({@link TrackedSockets#put}, once per socket a rule's values were put on),
 * with the identity map in use or not. The map holds the sockets set while the native layer was loading (the JVM's
 * first second); until the fix of stop 18 a pool opened then kept it in use for good, and every later put took its
 * lock and hashed the fresh socket. Now those sockets move to their descriptors' slots when the native layer
 * arrives. Here the map is kept in use by four sockets whose descriptor cannot be read, which stay in it.
 *
 * <p>Package io.kaagent.runtime, as TrackedSockets is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TrackedSocketsBenchmark {
    private static final int FD = 10;

    @Param({"false", "true"})
    boolean identityMapInUse;

    private TrackedSockets tracked;
    private final TrackedSockets.Entry entry = new TrackedSockets.Entry(null, null);
    /** Strongly held: a collected key would leave the weak map. */
    private final List<Object> pool = new ArrayList<Object>();

    @Setup
    public void setUp() {
        tracked = new TrackedSockets();
        if (identityMapInUse) {
            for (int i = 0; i < 4; i++) {
                Object socket = new Object();
                pool.add(socket);
                tracked.put(socket, -1, entry);
            }
        }
        tracked.useDescriptors(socket -> pool.contains(socket) ? -1 : FD);
        if (tracked.identityMapInUse() != identityMapInUse) {
            throw new IllegalStateException("the identity map is not in the state this run measures");
        }
    }

    /** A fresh socket, as each connection is: its identity hash is not made yet. */
    @Benchmark
    public Object putFreshSocket() {
        Object socket = new Object();
        tracked.put(socket, FD, entry);
        return socket;
    }
}
