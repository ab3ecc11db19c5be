package io.kaagent.it.support;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;

/**
 * Another Java agent, as an APM agent is: its premain connects (to its collector) before the application runs, so
 * the socket classes load, and ka-agent hands its policy to the hooks, before a later -javaagent's premain.
 */
public final class ConnectingAgent {
    private ConnectingAgent() {
    }

    /** @param port on loopback, connected to and closed */
    public static void premain(String port) throws IOException {
        new Socket("127.0.0.1", Integer.parseInt(port)).close();
    }

    /** A jar of this agent alone: -javaagent:JAR=PORT. */
    public static Path jar(Path dir) throws IOException {
        return AgentJars.write(dir.resolve("connecting-agent.jar"),
                Map.of("Premain-Class", ConnectingAgent.class.getName()), ConnectingAgent.class);
    }
}
