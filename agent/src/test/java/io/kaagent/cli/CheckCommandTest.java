package io.kaagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code check}: exact output and exit status for every file of the good and malformed corpora. */
class CheckCommandTest {

    static Path resources(String directory) throws URISyntaxException {
        return Paths.get(CheckCommandTest.class.getResource("/" + directory).toURI());
    }

    static Stream<String> goodFiles() throws IOException, URISyntaxException {
        return policyFiles("good");
    }

    static Stream<String> malformedFiles() throws IOException, URISyntaxException {
        return policyFiles("malformed");
    }

    private static Stream<String> policyFiles(String directory) throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(resources(directory))) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".yml")).sorted()
                    .collect(Collectors.toList()).stream();
        }
    }

    /** The run's stderr then stdout, with the directory taken off the file names, as the .expected files hold. */
    private static String output(CliRun run, Path directory) {
        return (run.err() + run.out()).replace(directory + directory.getFileSystem().getSeparator(), "");
    }

    private static String expected(Path directory, String name) throws IOException {
        List<String> lines = Files.readAllLines(directory.resolve(name.replace(".yml", ".expected")),
                StandardCharsets.UTF_8);
        return String.join("\n", lines) + "\n";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodFiles")
    void goodPoliciesAreOkWithTheirWarnings(String name) throws Exception {
        Path directory = resources("good");
        CliRun run = CliRun.of("check", directory.resolve(name).toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(expected(directory, name), output(run, directory));
        assertEquals(1, run.out().lines().count(), "only the OK line goes to stdout");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void malformedPoliciesFailWithTheirProblems(String name) throws Exception {
        Path directory = resources("malformed");
        CliRun run = CliRun.of("check", directory.resolve(name).toString());
        assertEquals(1, run.exit());
        assertEquals("", run.out());
        assertEquals(expected(directory, name), output(run, directory));
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path file = dir.resolve("absent.yml");
        assertEquals(new CliRun(1, "", file + ": no such file\n"), CliRun.of("check", file.toString()));
    }

    @Test
    void wrongNumberOfArguments() {
        String usage = "ka-agent: check takes one argument: check <config.yml>\n" + Usage.TEXT;
        assertEquals(new CliRun(1, "", usage), CliRun.of("check"));
        assertEquals(new CliRun(1, "", usage), CliRun.of("check", "a.yml", "b.yml"));
    }

    @Test
    void aPathTheFileSystemCannotHoldIsAProblemNotACrash() {
        assertEquals(new CliRun(1, "", "bad\0name.yml: not a valid path\n"), CliRun.of("check", "bad\0name.yml"));
    }
}
