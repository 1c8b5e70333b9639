export const DashboardMessages = {
  notBuilt: (dir: string) => `The dashboard is not built (no ${dir}): run npm run build`,
  unknownAsset: (name: string) => `No dashboard file '${name}'`,
};
