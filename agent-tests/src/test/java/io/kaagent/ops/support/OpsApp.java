package io.kaagent.ops.support;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.TestEnv;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The operator's JVM: {@code io.kaagent.samples.ops.IdleConnectionsApp}, started WITHOUT the agent (unless the test
 * adds it), holding a pool of idle JDBC connections to an H2 server in the same JVM, one idle connection per echo
 * port, and a listening socket. Every target JVM runs with -XX:+EnableDynamicAgentLoading (JEP 451: the tests must
 * not depend on the JDK 21+ warning), unless {@link #startWithout} leaves it out.
 */
public final class OpsApp implements AutoCloseable {
    public static final String MAIN = "io.kaagent.samples.ops.IdleConnectionsApp";

    private final ChildJvm jvm;
    private final int dbPort;
    private final int listenPort;
    private final List<Integer> echoLocalPorts;

    private OpsApp(ChildJvm jvm, String ready) {
        this.jvm = jvm;
        Map<String, String> fields = Arrays.stream(ready.split(" ")).skip(1).map(f -> f.split("=", 2))
                .collect(Collectors.toMap(f -> f[0], f -> f[1]));
        this.dbPort = Integer.parseInt(fields.get("db"));
        this.listenPort = Integer.parseInt(fields.get("listen"));
        this.echoLocalPorts = Arrays.stream(fields.get("echo").split(",")).map(Integer::valueOf)
                .collect(Collectors.toList());
    }

    /** Pool of 2, one connection to each echo port; no agent. */
    public static OpsApp start(int... echoPorts) {
        return start(b -> b, echoPorts);
    }

    /** With extra settings on the child (an agent at start, other JVM options). */
    public static OpsApp start(UnaryOperator<ChildJvm.Builder> customise, int... echoPorts) {
        return startWithout(b -> customise.apply(b.jvmArg("-XX:+EnableDynamicAgentLoading")), echoPorts);
    }

    /** Without -XX:+EnableDynamicAgentLoading. */
    public static OpsApp startWithout(UnaryOperator<ChildJvm.Builder> customise, int... echoPorts) {
        String ports = Arrays.stream(echoPorts).mapToObj(Integer::toString).collect(Collectors.joining(","));
        ChildJvm jvm = customise.apply(ChildJvm.builder().noAgent().mainClass(MAIN).args(ports, 2)).start();
        try {
            return new OpsApp(jvm, jvm.awaitStdout("READY", TestEnv.START_TIMEOUT.multipliedBy(2)));
        } catch (RuntimeException | AssertionError e) {
            jvm.close();
            throw e;
        }
    }

    public ChildJvm jvm() {
        return jvm;
    }

    public long pid() {
        return jvm.pid();
    }

    /** The H2 server's listening port: the pool's connections go there, its accepted ones have it as local port. */
    public int dbPort() {
        return dbPort;
    }

    /** The app's other listening socket. */
    public int listenPort() {
        return listenPort;
    }

    public List<Integer> echoLocalPorts() {
        return echoLocalPorts;
    }

    /** A new connection to 127.0.0.1:port; returns its local port. */
    public int connect(int port) {
        return command("connect " + port, "CONNECTED ");
    }

    /** A new connection dialled by host name; returns its local port. */
    public int connectHost(String host, int port) {
        return command("connect-host " + host + " " + port, "CONNECTED ");
    }

    /** Borrows a pooled connection and runs SELECT 1: the application still works. */
    public void query() {
        int before = jvm.stdoutLines().size();
        jvm.sendLine("query");
        jvm.awaitStdout(l -> l.startsWith("QUERY ok") && jvm.stdoutLines().indexOf(l) >= before,
                TestEnv.STEP_TIMEOUT.multipliedBy(2));
    }

    private int command(String line, String answer) {
        int before = jvm.stdoutLines().size();
        jvm.sendLine(line);
        String reply = jvm.awaitStdout(l -> (l.startsWith(answer) || l.startsWith("FAILED"))
                && jvm.stdoutLines().lastIndexOf(l) >= before, TestEnv.STEP_TIMEOUT.multipliedBy(2));
        if (reply.startsWith("FAILED")) {
            throw new AssertionError(line + ": " + reply + "\n" + jvm.describe());
        }
        return Integer.parseInt(reply.substring(answer.length()).trim());
    }

    @Override
    public void close() {
        jvm.close();
    }
}
