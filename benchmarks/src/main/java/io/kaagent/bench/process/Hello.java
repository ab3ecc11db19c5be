package io.kaagent.bench.process;

/**
 * The hello-world JVM of the start-up benchmark. With {@code -Dbench.stamp=true} it also prints the wall clock at
 * the start of main (epoch microseconds) so a parent can split the process's life into phases.
 */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) {
        if (Boolean.getBoolean("bench.stamp")) {
            System.out.println("stamp main " + Clock.epochMicros());
        }
        System.out.println("hello");
    }
}
