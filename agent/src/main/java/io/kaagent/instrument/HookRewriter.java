package io.kaagent.instrument;

import java.util.List;
import java.util.Set;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The ASM side of {@link HookTransformer}, in a class of its own: the JVM verifying HookTransformer in premain then
 * loads none of ASM's classes (they load on the warm-up thread, or at the first rewrite).
 */
final class HookRewriter {
    private HookRewriter() {
    }

    /**
     * @param applied gets {@link HookTransformer#key} of every target whose method was rewritten
     * @return the class with its hooks
     */
    static byte[] rewrite(byte[] classfile, String className, List<HookTarget> targets, Set<String> applied) {
        ClassReader reader = new ClassReader(classfile);
        // COMPUTE_MAXS only: frames are kept as read (the inserted code needs one F_SAME frame at most), so ASM
        // never has to load classes to merge types — loading JDK classes inside a transform can deadlock.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new HookClassVisitor(writer, className, targets, applied), 0);
        return writer.toByteArray();
    }

    private static final class HookClassVisitor extends ClassVisitor {
        private final String owner;
        private final List<HookTarget> targets;
        private final Set<String> applied;

        HookClassVisitor(ClassVisitor next, String owner, List<HookTarget> targets, Set<String> applied) {
            super(Opcodes.ASM9, next);
            this.owner = owner;
            this.targets = targets;
            this.applied = applied;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                String[] exceptions) {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            if ((access & (Opcodes.ACC_BRIDGE | Opcodes.ACC_SYNTHETIC | Opcodes.ACC_ABSTRACT)) != 0) {
                return next;
            }
            for (HookTarget target : targets) {
                if (target.matches(owner, name, descriptor)) {
                    applied.add(HookTransformer.key(target));
                    return new HookMethodVisitor(next, target.kind);
                }
            }
            return next;
        }
    }
}
