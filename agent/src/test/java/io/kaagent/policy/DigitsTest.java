package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Digits answers exactly as the regular expressions it replaced. */
class DigitsTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "0", "7", "42", "128", "1234", "-", "-1", "--1", "1-", "+1", " 1", "1 ", "0x1f",
            "１", "٣", "12a", "99999999999999999999", "-0", "1.5"})
    void sameAnswersAsTheRegularExpressions(String text) {
        assertEquals(text.matches("[0-9]{1,3}"), Digits.isDigits(text, 3), "[0-9]{1,3} on \"" + text + "\"");
        assertEquals(text.matches("-?[0-9]+"), Digits.isInteger(text), "-?[0-9]+ on \"" + text + "\"");
    }
}
