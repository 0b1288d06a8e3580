/**
 * Licence product names by SKU part number (subscribedSku.skuPartNumber), as Microsoft's
 * "Product names and service plan identifiers for licensing" lists them, for the SKUs MSP
 * customers commonly hold. An unknown part number is shown as it is.
 */
export const PRODUCT_NAMES: Readonly<Record<string, string>> = {
  SPE_E3: 'Microsoft 365 E3',
  SPE_E5: 'Microsoft 365 E5',
  SPE_F1: 'Microsoft 365 F3',
  SPB: 'Microsoft 365 Business Premium',
  O365_BUSINESS_PREMIUM: 'Microsoft 365 Business Standard',
  O365_BUSINESS_ESSENTIALS: 'Microsoft 365 Business Basic',
  O365_BUSINESS: 'Microsoft 365 Apps for business',
  OFFICESUBSCRIPTION: 'Microsoft 365 Apps for enterprise',
  ENTERPRISEPACK: 'Office 365 E3',
  ENTERPRISEPREMIUM: 'Office 365 E5',
  STANDARDPACK: 'Office 365 E1',
  DESKLESSPACK: 'Office 365 F3',
  EXCHANGESTANDARD: 'Exchange Online (Plan 1)',
  EXCHANGEENTERPRISE: 'Exchange Online (Plan 2)',
  EXCHANGEARCHIVE_ADDON: 'Exchange Online Archiving for Exchange Online',
  EMS: 'Enterprise Mobility + Security E3',
  EMSPREMIUM: 'Enterprise Mobility + Security E5',
  AAD_PREMIUM: 'Microsoft Entra ID P1',
  AAD_PREMIUM_P2: 'Microsoft Entra ID P2',
  INTUNE_A: 'Intune Plan 1',
  ATP_ENTERPRISE: 'Microsoft Defender for Office 365 (Plan 1)',
  THREAT_INTELLIGENCE: 'Microsoft Defender for Office 365 (Plan 2)',
  POWER_BI_PRO: 'Power BI Pro',
  POWER_BI_STANDARD: 'Power BI (free)',
  PROJECTPROFESSIONAL: 'Project Plan 3',
  VISIOCLIENT: 'Visio Plan 2',
  MCOEV: 'Microsoft Teams Phone Standard',
  Microsoft_Teams_Exploratory_Dept: 'Microsoft Teams Exploratory',
  TEAMS_EXPLORATORY: 'Microsoft Teams Exploratory',
  FLOW_FREE: 'Microsoft Power Automate Free',
  WIN10_VDA_E3: 'Windows 10/11 Enterprise E3',
};

/** The product name for a part number, or the part number itself when the table does not know it. */
export function productName(skuPartNumber: string): string {
  return PRODUCT_NAMES[skuPartNumber] ?? skuPartNumber;
}
