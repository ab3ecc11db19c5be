package io.kaagent.bench.calls;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;

/**
 * What Java pays to reach the kernel for the four keepalive options, by each way a JVM has of calling setsockopt: the
 * agent's (jffi's invoker called directly, values in native memory, errno saved), jnr-ffi's (the agent's until
 * 2026-12-03: a generated stub over the same invoker), jnr-ffi without errno, the JDK's own JNI method that every
 * {@code setOption} ends in ({@code sun.nio.ch.Net.setIntOption0}), and on JDK 22+ the foreign function API, with and
 * without {@code Linker.Option.critical} (no thread-state transition); and, where {@code -Dbench.helper} names the
 * directory of {@code libkeepalive_in_one_call.so} ({@code benchmarks/native/keepalive_in_one_call.c}), one jnr-ffi
 * call to a C function that makes the four: what crossing into C once instead of four times would save. The four
 * calls on one unconnected TCP socket,
 * as the C warm loop of {@code benchmarks/native/setsockopt_cost.c} makes them (compare with its "the four keepalive
 * options" row: the same kernel work, without Java). Ways take turns round after round, so load hits all alike.
 *
 * <p>Run by {@code bash benchmarks/run.sh calls}, which puts jnr-ffi and jffi on the class path
 * ({@code benchmarks/calls/pom.xml}) and passes
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED}. Prints a Markdown table.
 */
public final class NativeCallCost {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;

    /** The agent's binding until 2026-12-03: errno saved after each call. */
    public interface LibC {
        int setsockopt(int fd, int level, int option, Pointer value, int length);
    }

    /** benchmarks/native/keepalive_in_one_call.c */
    public interface InOneCall {
        int keepalive_in_one_call(int fd, Pointer values, int setUserTimeout);
    }

    @IgnoreError
    public interface LibCNoErrno {
        int setsockopt(int fd, int level, int option, Pointer value, int length);
    }

    /** One way of making the four calls. */
    private interface Way {
        int four() throws Throwable;
    }

    private static final class Named {
        final String name;
        final Way way;

        Named(String name, Way way) {
            this.name = name;
            this.way = way;
        }
    }

    public static void main(String[] args) throws Throwable {
        int calls = Integer.getInteger("bench.calls", 300_000);
        int rounds = Integer.getInteger("bench.rounds", 15);
        SocketChannel channel = SocketChannel.open();
        FileDescriptor descriptor = descriptor(channel);
        int fd = fdVal(descriptor);

        LibC libc = LibraryLoader.create(LibC.class).load("c");
        LibCNoErrno noErrno = LibraryLoader.create(LibCNoErrno.class).load("c");
        Pointer values = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), 16);
        values.putInt(0, 30);
        values.putInt(4, 5);
        values.putInt(8, 3);
        values.putInt(12, 1);
        Pointer idle = values.slice(0, 4);
        Pointer interval = values.slice(4, 4);
        Pointer count = values.slice(8, 4);
        Pointer on = values.slice(12, 4);
        long address = values.address();

        List<Named> ways = new ArrayList<>();
        // The agent's (io.kaagent.nativeio.LibC): setsockopt's address and call context, invokeN5, errno saved.
        com.kenai.jffi.CallContext context = com.kenai.jffi.CallContext.getCallContext(com.kenai.jffi.Type.SINT,
                new com.kenai.jffi.Type[] {com.kenai.jffi.Type.SINT, com.kenai.jffi.Type.SINT,
                    com.kenai.jffi.Type.SINT, com.kenai.jffi.Type.POINTER, com.kenai.jffi.Type.SINT},
                com.kenai.jffi.CallingConvention.DEFAULT, true);
        long function = com.kenai.jffi.Library.getDefault().getSymbolAddress("setsockopt");
        com.kenai.jffi.Invoker invoker = com.kenai.jffi.Invoker.getInstance();
        ways.add(new Named("jffi's invoker, errno saved (the agent's)",
                () -> (int) invoker.invokeN5(context, function, fd, IPPROTO_TCP, TCP_KEEPIDLE, address, 4)
                        | (int) invoker.invokeN5(context, function, fd, IPPROTO_TCP, TCP_KEEPINTVL, address + 4, 4)
                        | (int) invoker.invokeN5(context, function, fd, IPPROTO_TCP, TCP_KEEPCNT, address + 8, 4)
                        | (int) invoker.invokeN5(context, function, fd, SOL_SOCKET, SO_KEEPALIVE, address + 12, 4)));
        ways.add(new Named("jnr-ffi, errno saved (the agent's until 2026-12-03)", () -> libc.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE,
                idle, 4) | libc.setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, interval, 4)
                | libc.setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, count, 4)
                | libc.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, on, 4)));
        ways.add(new Named("jnr-ffi, @IgnoreError", () -> noErrno.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle, 4)
                | noErrno.setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, interval, 4)
                | noErrno.setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, count, 4)
                | noErrno.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, on, 4)));
        String helper = System.getProperty("bench.helper");
        if (helper != null) {
            InOneCall inOneCall = LibraryLoader.create(InOneCall.class).search(helper).failImmediately()
                    .load("keepalive_in_one_call");
            Pointer five = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), 20);
            five.putInt(0, 30);
            five.putInt(4, 5);
            five.putInt(8, 3);
            five.putInt(12, 0);
            five.putInt(16, 1);
            ways.add(new Named("jnr-ffi, one call to a C function making the four",
                    () -> inOneCall.keepalive_in_one_call(fd, five, 0)));
        }
        MethodHandle net = jdkSetIntOption();
        ways.add(new Named("JDK's JNI, Net.setIntOption0 (what setOption ends in)", () -> {
            net.invokeExact(descriptor, false, IPPROTO_TCP, TCP_KEEPIDLE, 30, false);
            net.invokeExact(descriptor, false, IPPROTO_TCP, TCP_KEEPINTVL, 5, false);
            net.invokeExact(descriptor, false, IPPROTO_TCP, TCP_KEEPCNT, 3, false);
            net.invokeExact(descriptor, false, SOL_SOCKET, SO_KEEPALIVE, 1, false);
            return 0;
        }));
        for (boolean critical : new boolean[] {false, true}) {
            MethodHandle ffm = foreignSetsockopt(critical);
            if (ffm == null) {
                continue;
            }
            ways.add(new Named(critical ? "foreign function API, Linker.Option.critical" : "foreign function API",
                    () -> (int) ffm.invokeExact(fd, IPPROTO_TCP, TCP_KEEPIDLE, address, 4)
                            | (int) ffm.invokeExact(fd, IPPROTO_TCP, TCP_KEEPINTVL, address + 4, 4)
                            | (int) ffm.invokeExact(fd, IPPROTO_TCP, TCP_KEEPCNT, address + 8, 4)
                            | (int) ffm.invokeExact(fd, SOL_SOCKET, SO_KEEPALIVE, address + 12, 4)));
        }

        double[][] perFour = new double[ways.size()][rounds];
        for (int round = -3; round < rounds; round++) { // three rounds of warm-up: every way compiled
            for (int w = 0; w < ways.size(); w++) {
                Way way = ways.get(w).way;
                int failed = 0;
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    failed |= way.four();
                }
                long spent = System.nanoTime() - t0;
                if (failed != 0) {
                    throw new IllegalStateException(ways.get(w).name + ": a setsockopt call failed");
                }
                if (round >= 0) {
                    perFour[w][round] = (double) spent / calls;
                }
            }
        }
        channel.close();

        System.out.printf(Locale.ROOT, "### %s %s: the four keepalive options from Java, one unconnected socket"
                + " (ns per four calls)%n", System.getProperty("java.vendor"), System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "%d rounds x %d x four calls, ways in turn; median [min..max]; paired: the "
                + "median of per-round differences to the agent's way%n", rounds, calls);
        System.out.println("| way | ns per four calls | paired vs the agent's |");
        System.out.println("| --- | --- | --- |");
        for (int w = 0; w < ways.size(); w++) {
            double[] sorted = perFour[w].clone();
            Arrays.sort(sorted);
            double[] paired = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                paired[r] = perFour[w][r] - perFour[0][r];
            }
            Arrays.sort(paired);
            System.out.printf(Locale.ROOT, "| %s | %.0f [%.0f..%.0f] | %s |%n", ways.get(w).name,
                    sorted[rounds / 2], sorted[0], sorted[rounds - 1],
                    w == 0 ? "" : String.format(Locale.ROOT, "%+.0f", paired[rounds / 2]));
        }
        if (helper == null) {
            System.out.println("(no C compiler: no row for one call to a C function making the four)");
        }
        if (ways.stream().noneMatch(named -> named.name.startsWith("foreign"))) {
            System.out.println("(the foreign function API rows need JDK 22 or later)");
        }
    }

    private static FileDescriptor descriptor(SocketChannel channel) throws ReflectiveOperationException {
        Field field = channel.getClass().getDeclaredField("fd");
        field.setAccessible(true);
        return (FileDescriptor) field.get(channel);
    }

    private static int fdVal(FileDescriptor descriptor) throws ReflectiveOperationException {
        Field field = FileDescriptor.class.getDeclaredField("fd");
        field.setAccessible(true);
        return field.getInt(descriptor);
    }

    private static MethodHandle jdkSetIntOption() throws ReflectiveOperationException {
        Method method = Class.forName("sun.nio.ch.Net").getDeclaredMethod("setIntOption0", FileDescriptor.class,
                boolean.class, int.class, int.class, int.class, boolean.class);
        method.setAccessible(true);
        return MethodHandles.lookup().unreflect(method);
    }

    /**
     * setsockopt(int, int, int, const void *, socklen_t) as a downcall handle of type (int, int, int, long, int)int,
     * the pointer passed as a 64-bit address (the same register on x86_64 and aarch64). Through reflection, so that
     * this compiles for Java 17; null where the API is missing (before JDK 22).
     */
    private static MethodHandle foreignSetsockopt(boolean critical) throws ReflectiveOperationException {
        Class<?> linkerType;
        try {
            linkerType = Class.forName("java.lang.foreign.Linker");
            linkerType.getMethod("nativeLinker");
            Class.forName("java.lang.foreign.Linker$Option").getMethod("critical", boolean.class);
        } catch (ClassNotFoundException | NoSuchMethodException before22) {
            return null;
        }
        Object linker = linkerType.getMethod("nativeLinker").invoke(null);
        Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
        Optional<?> symbol = (Optional<?>) Class.forName("java.lang.foreign.SymbolLookup")
                .getMethod("find", String.class).invoke(lookup, "setsockopt");
        Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        Object javaInt = valueLayout.getField("JAVA_INT").get(null);
        Object javaLong = valueLayout.getField("JAVA_LONG").get(null);
        Class<?> memoryLayout = Class.forName("java.lang.foreign.MemoryLayout");
        Object arguments = Array.newInstance(memoryLayout, 5);
        Object[] argumentLayouts = {javaInt, javaInt, javaInt, javaLong, javaInt};
        for (int i = 0; i < argumentLayouts.length; i++) {
            Array.set(arguments, i, argumentLayouts[i]);
        }
        Class<?> functionDescriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
        Object descriptor = functionDescriptor.getMethod("of", memoryLayout, arguments.getClass())
                .invoke(null, javaInt, arguments);
        Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
        Object options = Array.newInstance(option, critical ? 1 : 0);
        if (critical) {
            Array.set(options, 0, option.getMethod("critical", boolean.class).invoke(null, false));
        }
        Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        return (MethodHandle) linkerType.getMethod("downcallHandle", segment, functionDescriptor, options.getClass())
                .invoke(linker, symbol.orElseThrow(), descriptor, options);
    }
}
