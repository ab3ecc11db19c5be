package io.kaagent.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes policy files (PRODUCT.md §3) into a test's temporary directory. */
public final class Policies {
    private Policies() {
    }

    /** Writes {@code dir/policy.yml}. */
    public static Path write(Path dir, String yaml) {
        return write(dir, "policy.yml", yaml);
    }

    public static Path write(Path dir, String fileName, String yaml) {
        Path file = dir.resolve(fileName);
        try {
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toAbsolutePath();
    }
}
