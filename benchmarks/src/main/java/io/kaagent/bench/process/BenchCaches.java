package io.kaagent.bench.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's caches for a benchmark: a directory of their own per jar (two builds sharing one would overwrite each
 * other's entries round after round), primed by one run per JDK that loads every hooked socket class, so that the
 * timed runs are a JVM's second start on this machine: compiled policy, rewritten socket classes.
 */
final class BenchCaches {
    private BenchCaches() {
    }

    /** The options of a run under that jar and policy, its caches primed in a directory of their own. */
    static List<String> primedAgent(BenchEnv env, String name, String jar, Path policy) throws Exception {
        List<String> agent = List.of("-javaagent:" + jar + "=" + policy);
        return List.of(primed(env, name, agent), agent.get(0));
    }

    /**
     * @param agentOptions the {@code -javaagent} option (and any other) of the timed runs
     * @return the option that points the agent at the primed directory
     */
    static String primed(BenchEnv env, String name, List<String> agentOptions) throws Exception {
        Path dir = env.work.resolve("cache-" + name);
        Files.createDirectories(dir);
        return primedIn(env, dir, agentOptions);
    }

    /** As {@link #primed}, in that directory. */
    static String primedIn(BenchEnv env, Path dir, List<String> agentOptions) throws Exception {
        String option = "-Dka.agent.native.dir=" + dir;
        String name = dir.getFileName().toString();
        for (BenchEnv.Jdk jdk : env.jdks) {
            new ChildJvm(jdk.java).args(List.of(option)).args(agentOptions)
                    .args("-cp", env.classes, PrimeCaches.class.getName()).run(env.work)
                    .requireSuccess("priming the caches of " + name + " on " + jdk.label);
        }
        return option;
    }
}
