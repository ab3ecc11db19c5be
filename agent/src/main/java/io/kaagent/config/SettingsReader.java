package io.kaagent.config;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import io.kaagent.policy.InvalidValueException;
import io.kaagent.policy.PartialSettings;
import io.kaagent.policy.SettingValues;

/** Reads the keepalive keys that {@code defaults:} and a rule share into the values that place declares. */
final class SettingsReader {
    static final List<String> KEYS = Collections.unmodifiableList(
            Arrays.asList("idle", "intvl", "cnt", "user_timeout", "enforce", "nat_timeout"));

    private SettingsReader() {
    }

    static PartialSettings read(MappingView mapping, String path, ProblemList problems) {
        PartialSettings settings = PartialSettings.EMPTY;
        for (String key : KEYS) {
            YamlNode node = mapping.value(key);
            if (node == null) {
                continue;
            }
            String keyPath = Nodes.join(path, key);
            String text = Nodes.text(node, keyPath, expected(key), problems);
            if (text == null) {
                continue;
            }
            try {
                settings = with(settings, key, text);
            } catch (InvalidValueException e) {
                problems.error(node, keyPath + ": " + e.getMessage());
            }
        }
        return settings;
    }

    private static String expected(String key) {
        switch (key) {
            case "cnt":
                return "a number of probes 1..127";
            case "user_timeout":
                return "off, auto or a duration such as 45s";
            case "enforce":
                return "true or false";
            default:
                return "a duration such as 30s";
        }
    }

    private static PartialSettings with(PartialSettings settings, String key, String text)
            throws InvalidValueException {
        switch (key) {
            case "idle":
                return settings.withIdleSeconds(SettingValues.parseTimerSeconds(text));
            case "intvl":
                return settings.withIntervalSeconds(SettingValues.parseTimerSeconds(text));
            case "cnt":
                return settings.withCount(SettingValues.parseCount(text));
            case "user_timeout":
                return settings.withUserTimeout(SettingValues.parseUserTimeout(text));
            case "enforce":
                return settings.withEnforce(parseBoolean(text));
            case "nat_timeout":
                return settings.withNatTimeoutSeconds(SettingValues.parseNatTimeoutSeconds(text));
            default:
                throw new IllegalArgumentException("not a settings key: " + key);
        }
    }

    static boolean parseBoolean(String text) throws InvalidValueException {
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        throw new InvalidValueException("\"" + text + "\" is not allowed, use true or false");
    }
}
