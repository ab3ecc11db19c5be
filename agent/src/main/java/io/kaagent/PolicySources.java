package io.kaagent;

import java.io.File;
import java.util.Map;

import io.kaagent.config.PolicyCache;
import io.kaagent.config.PolicyException;
import io.kaagent.config.PolicyLoader;
import io.kaagent.policy.DefaultPolicy;
import io.kaagent.policy.EnvOverrides;
import io.kaagent.policy.Policy;

/**
 * Where the policy comes from, first found wins (PRODUCT.md §2): the agent argument, -Dka.agent.config,
 * KA_AGENT_CONFIG, /etc/ka-agent/config.yml, the embedded default. KA_AGENT_IDLE/INTVL/CNT/USER_TIMEOUT then
 * override the defaults block of whichever policy is in force.
 */
final class PolicySources {
    static final String ETC_CONFIG = "/etc/ka-agent/config.yml";

    private PolicySources() {
    }

    /** The file the policy is read from, or null for the embedded default. */
    static File chooseFile(String agentArgument, Map<String, String> env) {
        String path = nonEmpty(agentArgument);
        if (path == null) {
            path = nonEmpty(System.getProperty("ka.agent.config"));
        }
        if (path == null) {
            path = nonEmpty(env.get("KA_AGENT_CONFIG"));
        }
        if (path != null) {
            return new File(path);
        }
        File etc = new File(ETC_CONFIG);
        return etc.isFile() ? etc : null;
    }

    static Policy load(File file, Map<String, String> env) throws PolicyException {
        return load(file, env, null, null);
    }

    /**
     * @param cache      where the compiled policy may come from (at launch), or null to read the YAML
     * @param knownValid run as soon as the policy is known to be valid, when that is before it is built (a cached
     *                   text or the embedded default, and no override variables); may be null
     */
    static Policy load(File file, Map<String, String> env, PolicyCache cache, Runnable knownValid)
            throws PolicyException {
        Runnable validUnlessOverridden = EnvOverrides.any(env) ? null : knownValid;
        if (file == null && validUnlessOverridden != null) {
            validUnlessOverridden.run(); // the embedded default is valid by construction
        }
        Policy policy = file == null ? DefaultPolicy.create()
                : cache == null ? PolicyLoader.load(file.toPath())
                : cache.load(file.toPath(), validUnlessOverridden);
        return EnvOverrides.apply(policy, env);
    }

    private static String nonEmpty(String value) {
        return value == null || value.trim().isEmpty() ? null : value.trim();
    }
}
