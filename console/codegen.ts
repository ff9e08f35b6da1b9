// Typed GraphQL documents from the server's own schema (`patron schema > schema.graphql`).
// Run `npm run codegen` after changing src/lib/queries.ts or the schema; the output is committed.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/lib/queries.ts'],
  ignoreNoDocuments: false,
  generates: {
    'src/lib/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          Date: 'string',
          DateTime: 'string',
          Decimal: 'string',
          NaiveDate: 'string',
          NaiveDateTime: 'string',
          NaiveTime: 'string',
          JSON: 'unknown',
          ID: 'string',
        },
      },
    },
  },
};

export default config;
