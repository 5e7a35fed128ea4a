/** Shapes of the generated schema, named for the pages. */
import type { components } from "./schema";

type S = components["schemas"];
export type User = S["UserRead"];
export type Project = S["ProjectRead"];
export type Member = S["MemberRead"];
export type AuditEntry = S["AuditLogRead"];
export type ProjectRole = Project["my_role"];
export type LabelingRun = S["LabelingRunRead"];
export type ReviewItem = S["ReviewItem"];
export type ReviewQueue = S["ReviewQueue"];
export type ReviewSummary = S["ReviewSummary"];
export type TeacherAgreement = S["TeacherAgreement"];
