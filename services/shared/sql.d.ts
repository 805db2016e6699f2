/** Migration files are imported as text (`with { type: "text" }`) and embedded in binaries. */
declare module "*.sql" {
  const text: string;
  export default text;
}
