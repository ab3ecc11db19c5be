package io.kaagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent's own reader of simple policy text must be SnakeYAML for every text it accepts: the same tree, node for
 * node, with the same values, nulls and positions, as the policy's readers see it (SnakeYAML's through
 * SnakeYamlComposer.convert). Checked on every policy of the repository (files and the YAML
 * blocks of its documents), on generated policies, and on those policies broken one character at a time.
 */
class SimpleYamlComposerTest {
    private static final Path REPOSITORY = Paths.get("").toAbsolutePath().getParent();
    private static final String LABEL = "policy.yml";

    /** Returns whether the simple reader accepted the text, after checking that SnakeYAML agrees where it did. */
    private static boolean readsAlike(String text) {
        YamlNode simple = SimpleYamlComposer.compose(text);
        if (simple == null) {
            return false;
        }
        ProblemList problems = new ProblemList(LABEL);
        YamlNode snake = SnakeYamlComposer.compose(text, problems);
        assertNotNull(snake, () -> "SnakeYAML refuses what the simple reader accepted: " + problems.errors()
                + "\n---\n" + text + "\n---");
        assertEquals(snake.toString(), simple.toString(), () -> "the trees differ for\n---\n" + text + "\n---");
        return true;
    }

    private static List<Path> repositoryPolicies() throws IOException {
        List<Path> files = new ArrayList<Path>();
        for (String directory : new String[] {"examples", "agent/src/test/resources", "sample-apps", "agent-tests",
                "benchmarks", "docs"}) {
            Path root = REPOSITORY.resolve(directory);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                        .filter(p -> !p.toString().contains("/target/")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    /** The ```yaml blocks of the repository's Markdown: the policies its documents show. */
    private static List<String> documentedPolicies() throws IOException {
        List<String> blocks = new ArrayList<String>();
        Pattern block = Pattern.compile("```ya?ml\\n(.*?)```", Pattern.DOTALL);
        List<Path> documents = new ArrayList<Path>();
        try (Stream<Path> walk = Files.walk(REPOSITORY, 3)) {
            walk.filter(p -> p.toString().endsWith(".md")).filter(p -> !p.toString().contains("/target/"))
                    .filter(p -> !p.toString().contains("/.git/")).sorted().forEach(documents::add);
        }
        for (Path document : documents) {
            Matcher matcher = block.matcher(new String(Files.readAllBytes(document), StandardCharsets.UTF_8));
            while (matcher.find()) {
                blocks.add(matcher.group(1));
            }
        }
        return blocks;
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    @Test
    void everyPolicyFileOfTheRepositoryReadsAlike() throws IOException {
        List<Path> files = repositoryPolicies();
        assertTrue(files.size() >= 50, "policy files found: " + files.size());
        List<String> accepted = new ArrayList<String>();
        for (Path file : files) {
            if (readsAlike(read(file))) {
                accepted.add(REPOSITORY.relativize(file).toString());
            }
        }
        assertTrue(accepted.size() >= files.size() / 2, "accepted only " + accepted.size() + " of " + files.size());
    }

    @Test
    void everyPolicyTheDocumentsShowReadsAlike() throws IOException {
        List<String> blocks = documentedPolicies();
        assertTrue(blocks.size() >= 5, "YAML blocks found: " + blocks.size());
        int accepted = 0;
        for (String text : blocks) {
            accepted += readsAlike(text) ? 1 : 0;
        }
        assertTrue(accepted >= blocks.size() / 2, "accepted only " + accepted + " of " + blocks.size());
    }

    /** What the fast path is for: the policies users start from, and the benchmarks' policy, never go to SnakeYAML. */
    @Test
    void theExamplesAndTheGoodCorpusAreInTheSubset() throws IOException {
        List<Path> files = new ArrayList<Path>();
        try (Stream<Path> examples = Files.list(REPOSITORY.resolve("examples"));
             Stream<Path> good = Files.list(REPOSITORY.resolve("agent/src/test/resources/good"))) {
            Stream.concat(examples, good).filter(p -> p.toString().endsWith(".yml")).sorted().forEach(files::add);
        }
        List<String> refused = new ArrayList<String>();
        for (Path file : files) {
            if (!readsAlike(read(file))) {
                refused.add(file.getFileName().toString());
            }
        }
        // every-key.yml writes defaults and a rule as flow mappings, on purpose: SnakeYAML reads it.
        assertEquals("[every-key.yml]", refused.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "version: 1\n",
        "version: 1",
        "# only a comment first\nversion: 1\n# and last",
        "a:\n  b:\n    c: d\n  e: f\ng: h\n",
        "rules:\n- name: a\n  port: 1\n- name: b\nlog: warn\n",
        "rules:\n  - name: a\n    cidr: [\"10.0.0.0/8\", '::1/128', fd00::/8]\n\n  - name: b  # why\n",
        "rules:\n  -   name: a\n      idle: 1s\n",
        "a:\n  - [ ]\n  - []\n  - [x , y]\n",
        "a: 'it''s'\nb: \"\"\nc: ''\nd: null\ne: ~\nf:\ng: Null\n",
        "a: 3000 - 3001\nb: api-?\nc: 2001:db8::/32\nd: -1\ne: a  b   # c\n",
        "k:\n- a:\n  - x\n  b: y\n- c\n",
        "a: b # comment — with ünïcode ✓\n",
        "k:\n  - a\n  -  b\n",
        "a:\n\n   \n  # indented comment\n# comment\n  b: c\n",
    })
    void theseAreInTheSubsetAndReadAlike(String text) {
        assertTrue(readsAlike(text), () -> "refused:\n" + text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "# nothing\n", "  version: 1\n", "---\nversion: 1\n", "%YAML 1.2\n---\nversion: 1\n",
        "version: 1\r\n", "version:\t1\n", "\uFEFFversion: 1\n", "name: ünïcode\n",
        "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  text\n", "a: >\n  text\n", "a: {b: 1}\n",
        "a: b\n  continued\n", "a: 'multi\n  line'\n", "a: \"esc\\\"aped\"\n", "a: b: c\n", "a: b:\n",
        "a:b\n", "a : b\n", "\"a\": b\n", "? a\n: b\n", "a: [b, c,]\n", "a: [b,\n  c]\n", "a: [b] c\n",
        "a: 'b'c\n", "a: b#c\n", "a: -\n", "a:\n  -\n    b\n", "a: - b\n", "a: @b\n", "a: `b`\n", "a: *b\n",
        "a: 1\n- b\n", "a:\n  - b\n  c: d\n", "a:\n    b: 1\n  c: 2\n", "a: [[b]]\n", "a: [b: c]\n",
        "a: b\n...\n", "a: b\n---\nc: d\n", "- a\n", "a\n",
    })
    void theseAreLeftToSnakeYaml(String text) {
        assertNull(SimpleYamlComposer.compose(text), () -> "accepted:\n" + text);
    }

    @Test
    void deepNestingIsLeftToSnakeYamlWhichRefusesIt() {
        StringBuilder text = new StringBuilder();
        for (int level = 0; level < 17; level++) {
            text.append(String.join("", Collections.nCopies(level * 2, " "))).append("k").append(level)
                    .append(":\n");
        }
        text.append(String.join("", Collections.nCopies(34, " "))).append("v: 1\n");
        assertNull(SimpleYamlComposer.compose(text.toString()));
        ProblemList problems = new ProblemList(LABEL);
        assertNull(YamlDocument.compose(text.toString(), problems));
        assertTrue(problems.errors().toString().contains("nests deeper than 16"), problems.errors().toString());
    }

    private static final String[] KEYS = {"version", "rules", "name", "host", "cidr", "port", "idle", "intvl",
        "cnt", "user_timeout", "null", "a.b", "k-1", "_x", "9"};
    private static final String[] VALUES = {"1", "30s", "null", "~", "", "''", "\"\"", "'it''s'", "\"a b\"",
        "[a, b]", "[]", "[ \"x\" ,'y' ]", "10.0.0.0/8", "fd00::/8", "::1", "a:b", "a: b", "-1", "- a", "*x", "&a x",
        "!t x", "|", ">", "{a: 1}", "a # c", "a#c", "'a'#c", "\"a\\\"b\"", "[a, b,]", "[a", "a ]", "%x", "@x",
        "`x`", "\"é\"", "a\tb", "3000 - 3001", "api-?", "a  b", "a:", "on", "[fd00::1, 'x:y']", "[a:b]", "[a: b]",
        ".5", "/x", "+1", "-", "#", "x # é ✓", "[x] # c", "'a' ", "\"\"\"", "'''"};

    /** Policy-shaped documents from random keys, values, indents and comments: mostly valid, some not. */
    private static String generated(Random random) {
        StringBuilder text = new StringBuilder();
        int lines = 1 + random.nextInt(12);
        int indent = 0;
        for (int i = 0; i < lines; i++) {
            int shape = random.nextInt(10);
            String spaces = String.join("", Collections.nCopies(indent, " "));
            String key = KEYS[random.nextInt(KEYS.length)];
            String value = VALUES[random.nextInt(VALUES.length)];
            if (shape < 4) {
                text.append(spaces).append(key).append(": ").append(value);
            } else if (shape < 6) {
                text.append(spaces).append(key).append(':');
                indent += random.nextInt(3) * 2;
            } else if (shape < 8) {
                text.append(spaces).append("- ").append(random.nextBoolean() ? key + ": " + value : value);
            } else if (shape == 8) {
                text.append(random.nextBoolean() ? "" : spaces + "# comment " + value);
            } else {
                indent = Math.max(0, indent - 2 * (1 + random.nextInt(2)));
                text.append(spaces).append(key).append(": ").append(value);
            }
            if (random.nextInt(8) == 0) {
                text.append("   # trailing");
            }
            if (i < lines - 1 || random.nextBoolean()) {
                text.append('\n');
            }
            if (random.nextInt(5) == 0) {
                indent = random.nextInt(4) * 2;
            }
        }
        return text.toString();
    }

    @Test
    void generatedPoliciesReadAlike() {
        Random random = new Random(20261201L);
        int accepted = 0;
        int total = 30_000;
        for (int i = 0; i < total; i++) {
            accepted += readsAlike(generated(random)) ? 1 : 0;
        }
        // Enough of both to mean something: the subset is exercised, and so is refusing.
        assertTrue(accepted > total / 20 && accepted < total - total / 20, "accepted " + accepted + " of " + total);
    }

    private static final String MUTATIONS = " :-#'\"[],\n\t{}&*!|>é\\?%@`~.0a";

    /** Every policy of the repository with one character inserted, removed or replaced, at random places. */
    @Test
    void brokenPoliciesReadAlikeOrAreLeftToSnakeYaml() throws IOException {
        Random random = new Random(42L);
        List<String> texts = repositoryPolicies().stream().map(file -> {
            try {
                return read(file);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).filter(text -> !text.isEmpty()).collect(Collectors.toList());
        int accepted = 0;
        int total = 0;
        for (String original : texts) {
            for (int i = 0; i < 200; i++) {
                StringBuilder text = new StringBuilder(original);
                int at = random.nextInt(text.length());
                char c = MUTATIONS.charAt(random.nextInt(MUTATIONS.length()));
                switch (random.nextInt(3)) {
                    case 0:
                        text.insert(at, c);
                        break;
                    case 1:
                        text.deleteCharAt(at);
                        break;
                    default:
                        text.setCharAt(at, c);
                }
                total++;
                accepted += readsAlike(text.toString()) ? 1 : 0;
            }
        }
        assertTrue(accepted > total / 10, "accepted " + accepted + " of " + total);
    }
}
