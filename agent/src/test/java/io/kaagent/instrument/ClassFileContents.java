package io.kaagent.instrument;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/** A class file read back with ASM, for the tests of the rewrites: the methods it declares, the calls it makes. */
final class ClassFileContents {
    /** One call instruction: the name of the method it is in, and the owner and name of the method it calls. */
    record Call(String caller, String owner, String method) {
        String target() {
            return owner + "." + method;
        }
    }

    private ClassFileContents() {
    }

    /** The unrewritten bytes of {@link TransformSample}, the warm-up's sample. */
    static byte[] transformSample() throws IOException {
        try (InputStream in = TransformSample.class.getResourceAsStream("TransformSample.class")) {
            if (in == null) {
                throw new IOException("no TransformSample.class next to the test classes");
            }
            return in.readAllBytes();
        }
    }

    /** Name and descriptor of every method, in the order of the class file. */
    static List<String> methods(byte[] classfile) {
        List<String> names = new ArrayList<>();
        new ClassReader(classfile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                names.add(name + descriptor);
                return null;
            }
        }, 0);
        return names;
    }

    /** Every method call instruction, in the order of the class file. */
    static List<Call> calls(byte[] classfile) {
        List<Call> calls = new ArrayList<>();
        new ClassReader(classfile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        calls.add(new Call(name, owner, method));
                    }
                };
            }
        }, 0);
        return calls;
    }

    /** The {@link Call#target()} of every call. */
    static List<String> callTargets(byte[] classfile) {
        List<String> targets = new ArrayList<>();
        for (Call call : calls(classfile)) {
            targets.add(call.target());
        }
        return targets;
    }
}
