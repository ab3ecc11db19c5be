package io.kaagent.bench.process;

import java.lang.instrument.Instrumentation;

/**
 * A do-nothing agent that prints the wall clock when its premain runs. Put once before and once after ka-agent on
 * the command line ({@code -javaagent:probe.jar=before -javaagent:ka-agent.jar -javaagent:probe.jar=after}): the JVM
 * runs premains in command-line order, so the difference is ka-agent's premain, on the main thread.
 */
public final class ProbeAgent {
    private ProbeAgent() {
    }

    public static void premain(String argument, Instrumentation instrumentation) {
        System.out.println("stamp " + argument + " " + Clock.epochMicros());
    }
}
