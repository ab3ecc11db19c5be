package io.kaagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code malformed/NAME.yml} must fail to load with exactly the lines of {@code malformed/NAME.expected}
 * (positions as {@code NAME.yml:LINE:COLUMN}), in that order.
 */
class MalformedCorpusTest {

    static Path corpus() throws URISyntaxException {
        return Paths.get(MalformedCorpusTest.class.getResource("/malformed").toURI());
    }

    static Stream<String> policyFiles() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(corpus())) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".yml")).sorted()
                    .collect(Collectors.toList()).stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policyFiles")
    void reportsExactlyTheExpectedProblems(String name) throws Exception {
        Path file = corpus().resolve(name);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.loadWithWarnings(file));
        String prefix = corpus() + file.getFileSystem().getSeparator();
        List<String> actual = e.problems().stream().map(problem -> problem.toString().replace(prefix, ""))
                .collect(Collectors.toList());
        List<String> expected = Files.readAllLines(corpus().resolve(name.replace(".yml", ".expected")),
                StandardCharsets.UTF_8);
        assertEquals(String.join("\n", expected), String.join("\n", actual));
        assertEquals(String.join("\n", e.problems().stream().map(Problem::toString).collect(Collectors.toList())),
                e.getMessage(), "the message is the problems, one per line");
    }

    @Test
    void theCorpusIsLargeAndEveryFileHasItsExpectation() throws Exception {
        List<String> files = policyFiles().collect(Collectors.toList());
        assertTrue(files.size() >= 30, "at least 30 malformed files, found " + files.size());
        try (Stream<Path> all = Files.list(corpus())) {
            for (Path path : all.collect(Collectors.toList())) {
                String name = path.getFileName().toString();
                String partner = name.endsWith(".yml") ? name.replace(".yml", ".expected")
                        : name.replace(".expected", ".yml");
                assertTrue(Files.exists(corpus().resolve(partner)), name + " has no " + partner);
            }
        }
    }

    @Test
    void aFileWithThreeMistakesGivesThreeLines() throws Exception {
        Path file = corpus().resolve("three-mistakes.yml");
        assertEquals(3, assertThrows(PolicyException.class, () -> PolicyLoader.load(file)).problems().size());
    }
}
