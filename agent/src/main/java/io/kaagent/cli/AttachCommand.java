package io.kaagent.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import io.kaagent.JavaRelease;
import io.kaagent.attach.AttachClient;
import io.kaagent.attach.AttachException;
import io.kaagent.attach.AttachProtocol;
import io.kaagent.attach.JvmProcess;
import io.kaagent.config.PolicyException;
import io.kaagent.config.PolicyLoader;
import io.kaagent.config.Problem;

/**
 * {@code attach <pid> [config.yml]}: loads the agent into a running JVM (PRODUCT.md §6). The policy is validated
 * here first, so a typo never reaches the JVM; the agent then installs its hooks, brings the sockets already open
 * under the policy and writes what it did to a result file this command prints (see {@link AttachProtocol}).
 */
final class AttachCommand {
    /** The agent reports before loadAgent returns; the wait only covers a slow file system. */
    private static final long RESULT_WAIT_MILLIS = 3000;

    private AttachCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() < 1 || args.size() > 2) {
            return Cli.usageError(err, "attach takes a pid and optionally a policy file: attach <pid> [config.yml]");
        }
        try {
            return attach(JvmProcess.parsePid(args.get(0)), args.size() == 2 ? args.get(1) : null, out, err);
        } catch (AttachException e) {
            err.println("ka-agent: " + e.getMessage());
            return 1;
        }
    }

    private static int attach(long pid, String policyArgument, PrintStream out, PrintStream err)
            throws AttachException {
        JvmProcess process = JvmProcess.of(pid);
        String policyPath = null;
        if (policyArgument != null) {
            File policy = new File(policyArgument).getAbsoluteFile();
            try {
                PolicyLoader.load(policy.toPath());
            } catch (PolicyException e) {
                for (Problem problem : e.problems()) {
                    err.println(problem);
                }
                throw new AttachException("not attached: " + policyArgument + " has errors (the lines above)");
            }
            policyPath = policy.getPath();
        }
        File agentJar = ownJar();
        AttachClient client = AttachClient.attach(process);
        try {
            Properties before = client.systemProperties();
            checkNotSwitchedOff(process, before);
            String name = "ka-agent-attach-" + pid + "-" + Long.toHexString(new SecureRandom().nextLong()) + ".result";
            // The path as the target sees it (its /tmp), and as this process reaches the same file.
            String targetPath = "/tmp/" + name;
            File resultHere = new File("/proc/" + pid + "/root/tmp/" + name);
            try {
                client.loadAgent(agentJar, AttachProtocol.argument(policyPath, targetPath));
                Properties result = awaitResult(process, before, resultHere, new File(targetPath));
                int exit = report(pid, result, out, err);
                if (exit == 0) {
                    explainDynamicLoadWarning(process, before, out);
                }
                return exit;
            } finally {
                resultHere.delete();
                new File(targetPath).delete();
            }
        } finally {
            client.close();
        }
    }

    private static void checkNotSwitchedOff(JvmProcess process, Properties properties) throws AttachException {
        String disabled = properties.getProperty("ka.agent.disabled");
        String env = process.environment().get("KA_AGENT_DISABLED");
        if (isTrue(disabled) || isTrue(env)) {
            throw new AttachException("the agent is switched off in pid " + process.pid() + " ("
                    + (isTrue(disabled) ? "-Dka.agent.disabled=true" : "KA_AGENT_DISABLED=true")
                    + "): not attaching");
        }
    }

    /** @param before the target's system properties, to tell why nothing came */
    private static Properties awaitResult(JvmProcess process, Properties before, File... candidates)
            throws AttachException {
        long deadline = System.currentTimeMillis() + RESULT_WAIT_MILLIS;
        do {
            for (File file : candidates) {
                try {
                    Properties result = AttachProtocol.read(file);
                    if (result != null) {
                        return result;
                    }
                } catch (IOException e) {
                    // not complete or not reachable from here: try the next one
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.currentTimeMillis() < deadline);
        String manager = before.getProperty("java.security.manager");
        if (manager != null && !manager.equals("disallow")) {
            // The likeliest reason by far: the launcher cannot even write its report under such a policy.
            throw new AttachException("the agent did not report back from pid " + process.pid() + ", which "
                    + (manager.equals("allow") ? "allows a Security Manager" : "runs with a Security Manager")
                    + " (-Djava.security.manager" + (manager.isEmpty() ? "" : "=" + manager) + "): the agent steps "
                    + "aside under one whose policy does not grant ka-agent.jar AllPermission (its stderr says so)");
        }
        throw new AttachException("the agent was loaded but did not report back: its stderr has the reason (is the "
                + "JVM's /tmp writable?)");
    }

    private static int report(long pid, Properties result, PrintStream out, PrintStream err) {
        if (!AttachProtocol.OK.equals(result.getProperty(AttachProtocol.STATUS))) {
            err.println("ka-agent: attach to pid " + pid + " failed: " + result.getProperty("error.1", "no reason given"));
            for (int i = 2; result.getProperty("error." + i) != null; i++) {
                err.println(result.getProperty("error." + i));
            }
            return 1;
        }
        boolean replaced = Boolean.parseBoolean(result.getProperty("replaced"));
        out.println((replaced ? "ka-agent " + result.getProperty("version") + " was already loaded in pid " + pid
                + ": policy replaced" : "ka-agent " + result.getProperty("version") + " attached to pid " + pid)
                + " (" + result.getProperty("mode") + " mode), policy " + result.getProperty("policy") + ", "
                + result.getProperty("rules") + " rules");
        out.println("open TCP sockets: " + result.getProperty("sweep"));
        if (result.getProperty("limitation") != null) {
            out.println("note: " + result.getProperty("limitation"));
        }
        if (result.getProperty("warning") != null) {
            err.println("ka-agent: WARN " + result.getProperty("warning"));
        }
        return 0;
    }

    /**
     * JDK 21+ prints a warning every time an agent is loaded into a running JVM (JEP 451) — a second attach, or one
     * to a JVM that loaded the agent at start, included — unless it runs with -XX:+EnableDynamicAgentLoading.
     * Nothing ka-agent can do avoids it, so the command says where it came from.
     */
    private static void explainDynamicLoadWarning(JvmProcess process, Properties properties, PrintStream out) {
        int feature = JavaRelease.feature(properties.getProperty("java.specification.version"));
        if (feature >= 21 && !process.enablesDynamicAgentLoading()) {
            out.println("note: pid " + process.pid() + " runs Java " + feature + ", which printed \"WARNING: A Java "
                    + "agent has been loaded dynamically\" on its stderr (JEP 451): expected and harmless; start the JVM "
                    + "with -XX:+EnableDynamicAgentLoading to avoid it");
        }
    }

    /** The jar this command runs from: the same one is loaded into the target. */
    static File ownJar() throws AttachException {
        try {
            java.security.CodeSource source = AttachCommand.class.getProtectionDomain().getCodeSource();
            File jar = new File(source.getLocation().toURI());
            if (jar.isFile()) {
                return jar;
            }
        } catch (Exception e) {
            // below
        }
        throw new AttachException("cannot find ka-agent.jar: run the command as java -jar ka-agent.jar attach ...");
    }

    private static boolean isTrue(String value) {
        return value != null && value.trim().toLowerCase(Locale.ROOT).equals("true");
    }
}
