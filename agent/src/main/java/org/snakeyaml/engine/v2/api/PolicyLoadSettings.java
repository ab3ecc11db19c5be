package org.snakeyaml.engine.v2.api;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.snakeyaml.engine.v2.common.SpecVersion;
import org.snakeyaml.engine.v2.exceptions.YamlVersionException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.Schema;

/**
 * Load settings for reading a policy into a node tree, made without {@link LoadSettingsBuilder}. Part of ka-agent,
 * not of snakeyaml-engine: it sits in the library's package (relocated with it into the agent jar) to reach the
 * package-private constructor. The builder's constructor makes the JSON schema, whose resolver compiles six regular
 * expressions and whose constructors load ~40 classes, plus four lambdas: about a fifth of the policy's cold parse
 * in premain. The agent composes nodes and never constructs Java objects, so it needs a schema only to tell a null
 * from a string, which {@link NullOrString} does without a regular expression — exactly as the JSON schema does.
 */
public final class PolicyLoadSettings {
    private PolicyLoadSettings() {
    }

    /** As {@code LoadSettings.builder()} with these values set, and everything else at the builder's defaults. */
    public static LoadSettings of(String label, int codePointLimit, int maxAliasesForCollections,
            boolean allowRecursiveKeys) {
        return new LoadSettings(label, Collections.<Tag, ConstructNode>emptyMap(), null, null, null,
                new OnlyYamlOne(), 1024, false, allowRecursiveKeys, maxAliasesForCollections, true,
                Collections.<SettingKey, Object>emptyMap(), Optional.empty(), false, codePointLimit,
                new NodesOnlySchema());
    }

    /** The builder's default: a %YAML directive other than 1.x is an error. */
    static final class OnlyYamlOne implements UnaryOperator<SpecVersion> {
        @Override
        public SpecVersion apply(SpecVersion version) {
            if (version.getMajor() != 1) {
                throw new YamlVersionException(version);
            }
            return version;
        }
    }

    static final class NodesOnlySchema implements Schema {
        private final ScalarResolver resolver = new NullOrString();

        @Override
        public ScalarResolver getScalarResolver() {
            return resolver;
        }

        @Override
        public Map<Tag, ConstructNode> getSchemaTagConstructors() {
            return Collections.emptyMap();
        }
    }

    /**
     * The JSON schema's answer where it matters to a node tree: a plain {@code null} or empty scalar is null,
     * anything else a string (the JSON schema's booleans and numbers are strings to the policy reader anyway).
     */
    static final class NullOrString implements ScalarResolver {
        @Override
        public Tag resolve(String value, Boolean implicit) {
            return scalarTag(value, implicit);
        }
    }

    /**
     * The tag the policy's composer gives a scalar: {@link NullOrString}'s answer, shared with the agent's own reader
     * of simple policy text (io.kaagent.config.SimpleYamlComposer).
     *
     * @param plain whether the scalar is written without quotes (SnakeYAML's "implicit" for a plain scalar)
     */
    public static Tag scalarTag(String value, boolean plain) {
        if (plain && (value.isEmpty() || value.equals("null"))) {
            return Tag.NULL;
        }
        return Tag.STR;
    }
}
