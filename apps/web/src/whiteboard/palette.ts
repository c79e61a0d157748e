export const PEN_COLORS = [
  { value: '#1f2430', name: 'Black' },
  { value: '#e5484d', name: 'Red' },
  { value: '#f5a524', name: 'Orange' },
  { value: '#30a46c', name: 'Green' },
  { value: '#3e63dd', name: 'Blue' },
  { value: '#8e4ec6', name: 'Purple' },
] as const

export const PEN_WIDTHS = [
  { value: 3, name: 'Thin' },
  { value: 7, name: 'Medium' },
  { value: 16, name: 'Thick' },
] as const

export const BOARD_BACKGROUND = '#f7f7f4'
